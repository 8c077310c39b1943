using System.Collections.Immutable;
using Fjord.Coordinator.ConsumerGroups;
using Fjord.Coordinator.Groups;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Tests;

/// <summary>
/// Drives KIP-848 heartbeats through a <see cref="GroupCoordinatorTestContext"/> (records replayed and
/// kept) and plays the client's side: each simulated member remembers its epoch and the partitions it owns,
/// gives up revoked partitions on its next heartbeat and takes what it is assigned, as librdkafka does.
/// </summary>
internal sealed class ConsumerGroupTestContext
{
    public const string Group = "cg";

    private readonly Dictionary<string, (int Epoch, ImmutableSortedSet<TopicIdPartition> Owned)> _clients = new(StringComparer.Ordinal);

    public ConsumerGroupTestContext(GroupCoordinatorConfig? config = null, IConsumerGroupConfigs? groupConfigs = null)
    {
        Inner = new GroupCoordinatorTestContext(config ?? new GroupCoordinatorConfig { OffsetsTopicNumPartitions = 4, ConsumerGroupSessionTimeoutMs = 45_000, ConsumerGroupHeartbeatIntervalMs = 5_000 },
            Topics, groupConfigs: groupConfigs);
    }

    public TestTopicCatalog Topics { get; } = new();

    public GroupCoordinatorTestContext Inner { get; }

    public GroupCoordinator Core => Inner.Core;

    public ConsumerGroup GroupState => Core.TryGetConsumerGroup(Group) ?? throw new InvalidOperationException("no consumer group");

    public ConsumerGroupHeartbeatResponse Send(ConsumerGroupHeartbeatRequest request, short version = 1) =>
        Inner.Apply(Core.ConsumerGroupHeartbeat(request, version, "client", "/127.0.0.1"));

    /// <summary>A member joins (epoch 0) with a topic list or a regex.</summary>
    public ConsumerGroupHeartbeatResponse Join(string memberId, IReadOnlyList<string>? topics = null, string? regex = null, string? assignor = null, int rebalanceTimeoutMs = 30_000)
    {
        var response = Send(new ConsumerGroupHeartbeatRequest
        {
            GroupId = Group,
            MemberId = memberId,
            MemberEpoch = 0,
            RebalanceTimeoutMs = rebalanceTimeoutMs,
            SubscribedTopicNames = topics is null ? null : [.. topics],
            SubscribedTopicRegex = regex,
            ServerAssignor = assignor,
            TopicPartitions = [],
        });
        Observe(memberId, response);
        return response;
    }

    /// <summary>A heartbeat with the member's epoch and owned partitions (it revokes first, as a client does).</summary>
    public ConsumerGroupHeartbeatResponse Heartbeat(string memberId)
    {
        var (epoch, owned) = _clients[memberId];
        var request = new ConsumerGroupHeartbeatRequest { GroupId = Group, MemberId = memberId, MemberEpoch = epoch, TopicPartitions = ToRequest(owned) };
        var response = Send(request);
        Observe(memberId, response);
        return response;
    }

    public ConsumerGroupHeartbeatResponse Leave(string memberId)
    {
        var response = Send(new ConsumerGroupHeartbeatRequest { GroupId = Group, MemberId = memberId, MemberEpoch = GroupCoordinator.LeaveGroupMemberEpoch });
        _clients.Remove(memberId);
        return response;
    }

    /// <summary>Heartbeats every member round-robin until none changes (or fails on a limit).</summary>
    public int HeartbeatUntilStable(params string[] memberIds)
    {
        for (var round = 1; round <= 20; round++)
        {
            var before = Snapshot();
            foreach (var memberId in memberIds)
            {
                Assert.Equal(0, Heartbeat(memberId).ErrorCode);
                AssertNoPartitionOwnedTwice();
            }

            if (before == Snapshot() && GroupState.State == ConsumerGroupState.Stable)
            {
                return round;
            }
        }

        throw new Xunit.Sdk.XunitException("the group did not become stable in 20 rounds: " + Snapshot());
    }

    public ImmutableSortedSet<TopicIdPartition> Owned(string memberId) => _clients[memberId].Owned;

    public int Epoch(string memberId) => _clients[memberId].Epoch;

    /// <summary>The invariant of KIP-848's reconciliation, checked on the clients' view.</summary>
    public void AssertNoPartitionOwnedTwice()
    {
        var seen = new Dictionary<TopicIdPartition, string>();
        foreach (var (memberId, (_, owned)) in _clients)
        {
            foreach (var partition in owned)
            {
                Assert.False(seen.TryGetValue(partition, out var other), $"{partition} is owned by {other} and {memberId}");
                seen[partition] = memberId;
            }
        }
    }

    public void Forget(string memberId) => _clients.Remove(memberId);

    private void Observe(string memberId, ConsumerGroupHeartbeatResponse response)
    {
        if (response.ErrorCode != (short)ErrorCode.None)
        {
            return;
        }

        var owned = _clients.TryGetValue(memberId, out var client) ? client.Owned : [];
        if (response.Assignment is { } assignment)
        {
            var builder = ImmutableSortedSet.CreateBuilder<TopicIdPartition>();
            foreach (var topic in assignment.TopicPartitions)
            {
                foreach (var partition in topic.Partitions)
                {
                    builder.Add(new TopicIdPartition(topic.TopicId, partition));
                }
            }

            owned = builder.ToImmutable();
        }

        _clients[memberId] = (response.MemberEpoch, owned);
    }

    private static List<ConsumerGroupHeartbeatRequest.TopicPartitionsData> ToRequest(ImmutableSortedSet<TopicIdPartition> owned) =>
        owned.GroupBy(p => p.TopicId).Select(g => new ConsumerGroupHeartbeatRequest.TopicPartitionsData { TopicId = g.Key, Partitions = g.Select(p => p.Partition).ToList() }).ToList();

    private string Snapshot() =>
        string.Join(" ", _clients.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}@{c.Value.Epoch}=[{string.Join(",", c.Value.Owned.Select(p => p.Partition))}]"));
}
