using System.Buffers;
using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Coordinator.Groups;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Protocol.Records;
using Microsoft.Extensions.Time.Testing;

namespace Fjord.Coordinator.Tests;

/// <summary>
/// Drives a <see cref="GroupCoordinator"/> the way the shell does: every command's records are
/// replayed (and kept, for prefix tests), completions are collected by token. Holds a fake clock.
/// </summary>
internal sealed class GroupCoordinatorTestContext
{
    public const string Group = "my-group";

    private long _nextToken;

    public GroupCoordinatorTestContext(GroupCoordinatorConfig? config = null, ITopicPartitionView? partitions = null, bool activate = true, IConsumerGroupConfigs? groupConfigs = null)
    {
        Config = config ?? new GroupCoordinatorConfig { OffsetsTopicNumPartitions = 4 };
        Core = new GroupCoordinator(Config, Time, new Random(42), partitions, groupConfigs);
        if (activate)
        {
            for (var partition = 0; partition < Config.OffsetsTopicNumPartitions; partition++)
            {
                Core.BeginLoading(partition);
                Core.CompleteLoading(partition);
            }
        }
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public GroupCoordinatorConfig Config { get; }

    public GroupCoordinator Core { get; }

    public List<CoordinatorRecord> Log { get; } = [];

    public Dictionary<long, IResponseMessage> Completed { get; } = [];

    public ClassicGroup GroupState => Core.TryGetGroup(Group) ?? throw new InvalidOperationException("no group");

    public T Apply<T>(CoordinatorResult<T> result)
        where T : class, IResponseMessage
    {
        ApplyOutput(result);
        return result.Response!;
    }

    public void ApplyOutput(CoordinatorOutput output)
    {
        var producerId = output.Transaction?.ProducerId ?? RecordBatchHeader.NoProducerId;
        foreach (var record in output.Records)
        {
            Log.Add(record);
            Core.Replay(record, producerId);
        }

        foreach (var completion in output.Completions)
        {
            Assert.False(Completed.ContainsKey(completion.Token), $"token {completion.Token} completed twice");
            Completed[completion.Token] = completion.Response;
        }
    }

    public void Advance(TimeSpan by)
    {
        Time.Advance(by);
        ApplyOutput(Core.Tick());
    }

    /// <summary>Advances a second at a time until the group's join phase is over (the initial delay grows while members arrive).</summary>
    public void AdvanceUntilJoinCompletes()
    {
        for (var i = 0; i < 120 && GroupState.State == Groups.GroupState.PreparingRebalance; i++)
        {
            Advance(TimeSpan.FromSeconds(1));
        }

        Assert.NotEqual(Groups.GroupState.PreparingRebalance, GroupState.State);
    }

    /// <summary>Sends a JoinGroup; returns its token and the immediate response (null when parked).</summary>
    public (long Token, JoinGroupResponse? Response) Join(
        string memberId = "",
        string? instanceId = null,
        short version = 5,
        int sessionTimeoutMs = 10_000,
        int rebalanceTimeoutMs = 30_000,
        string protocolType = "consumer",
        string group = Group,
        params (string Name, byte[] Metadata)[] protocols)
    {
        var request = new JoinGroupRequest
        {
            GroupId = group,
            SessionTimeoutMs = sessionTimeoutMs,
            RebalanceTimeoutMs = rebalanceTimeoutMs,
            MemberId = memberId,
            GroupInstanceId = instanceId,
            ProtocolType = protocolType,
        };
        if (protocols.Length == 0)
        {
            protocols = [("range", Subscription("topic-a"))];
        }

        foreach (var (name, metadata) in protocols)
        {
            request.Protocols.Add(new JoinGroupRequest.JoinGroupRequestProtocol { Name = name, Metadata = metadata });
        }

        var token = ++_nextToken;
        var result = Core.JoinGroup(token, request, version, "client", "/127.0.0.1");
        ApplyOutput(result);
        return (token, result.Response);
    }

    /// <summary>KIP-394 round trip: join without id, then with the id handed out. Returns the member id and the parked token.</summary>
    public (string MemberId, long Token) JoinNew(string? instanceId = null, int sessionTimeoutMs = 10_000, int rebalanceTimeoutMs = 30_000, params (string Name, byte[] Metadata)[] protocols)
    {
        var (_, first) = Join(instanceId: instanceId, sessionTimeoutMs: sessionTimeoutMs, rebalanceTimeoutMs: rebalanceTimeoutMs, protocols: protocols);
        if (instanceId is not null)
        {
            // Static members skip MEMBER_ID_REQUIRED: the first join is parked (or answered at once).
            return (first?.MemberId ?? FindMemberByInstance(instanceId), _nextToken);
        }

        Assert.NotNull(first);
        Assert.Equal((short)ErrorCode.MemberIdRequired, first!.ErrorCode);
        var (token, second) = Join(memberId: first.MemberId, sessionTimeoutMs: sessionTimeoutMs, rebalanceTimeoutMs: rebalanceTimeoutMs, protocols: protocols);
        Assert.Null(second);
        return (first.MemberId, token);
    }

    private string FindMemberByInstance(string instanceId) => GroupState.StaticMemberId(instanceId) ?? throw new InvalidOperationException("static member not registered");

    public JoinGroupResponse JoinResult(long token) => Assert.IsType<JoinGroupResponse>(Completed[token]);

    public SyncGroupResponse SyncResult(long token) => Assert.IsType<SyncGroupResponse>(Completed[token]);

    public (long Token, SyncGroupResponse? Response) Sync(string memberId, int generation, IReadOnlyDictionary<string, byte[]>? assignments = null, short version = 3, string? protocolName = null, string? instanceId = null)
    {
        var request = new SyncGroupRequest { GroupId = Group, GenerationId = generation, MemberId = memberId, ProtocolName = protocolName, GroupInstanceId = instanceId };
        foreach (var (member, assignment) in assignments ?? new Dictionary<string, byte[]>())
        {
            request.Assignments.Add(new SyncGroupRequest.SyncGroupRequestAssignment { MemberId = member, Assignment = assignment });
        }

        var token = ++_nextToken;
        var result = Core.SyncGroup(token, request, version);
        ApplyOutput(result);
        return (token, result.Response);
    }

    public ErrorCode Heartbeat(string memberId, int generation, string? instanceId = null) =>
        (ErrorCode)Apply(Core.Heartbeat(new HeartbeatRequest { GroupId = Group, MemberId = memberId, GenerationId = generation, GroupInstanceId = instanceId })).ErrorCode;

    public LeaveGroupResponse Leave(params (string MemberId, string? InstanceId)[] members) =>
        Apply(Core.LeaveGroup(Group, members.Select(m => new LeaveGroupRequest.MemberIdentity { MemberId = m.MemberId, GroupInstanceId = m.InstanceId }).ToList()));

    public OffsetCommitResponse Commit(string memberId, int generation, string topic, int partition, long offset, string? metadata = "", string group = Group, string? instanceId = null)
    {
        var request = new OffsetCommitRequest { GroupId = group, GenerationIdOrMemberEpoch = generation, MemberId = memberId, GroupInstanceId = instanceId };
        request.Topics.Add(new OffsetCommitRequest.OffsetCommitRequestTopic
        {
            Name = topic,
            Partitions = [new OffsetCommitRequest.OffsetCommitRequestPartition { PartitionIndex = partition, CommittedOffset = offset, CommittedMetadata = metadata, CommittedLeaderEpoch = 3 }],
        });
        return Apply(Core.CommitOffsets(request));
    }

    /// <summary>A TxnOffsetCommit of one partition by <paramref name="producerId"/> (v3: with member, generation and instance).</summary>
    public TxnOffsetCommitResponse TxnCommit(long producerId, string topic, int partition, long offset, string memberId = "", int generation = -1, string? instanceId = null, string group = Group, short version = 3, string? metadata = "")
    {
        var request = new TxnOffsetCommitRequest
        {
            TransactionalId = "txn-" + producerId,
            GroupId = group,
            ProducerId = producerId,
            ProducerEpoch = 0,
            GenerationId = generation,
            MemberId = memberId,
            GroupInstanceId = instanceId,
        };
        request.Topics.Add(new TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic
        {
            Name = topic,
            Partitions = [new TxnOffsetCommitRequest.TxnOffsetCommitRequestPartition { PartitionIndex = partition, CommittedOffset = offset, CommittedMetadata = metadata, CommittedLeaderEpoch = 3 }],
        });
        return Apply(Core.CommitTransactionalOffsets(request, version));
    }

    public ErrorCode TxnCommitError(long producerId, string memberId, int generation, string? instanceId = null, short version = 3) =>
        (ErrorCode)TxnCommit(producerId, "topic-a", 0, 1, memberId, generation, instanceId, version: version).Topics[0].Partitions[0].ErrorCode;

    /// <summary>The transaction's marker reached the group's partition (WriteTxnMarkers).</summary>
    public void EndTransaction(long producerId, bool commit, string group = Group) =>
        Assert.Equal(ErrorCode.None, Core.CompleteTransaction(Core.PartitionFor(group), producerId, commit));

    /// <summary>OffsetFetch of one partition: (error, offset).</summary>
    public (ErrorCode Error, long Offset) Fetch(string topic, int partition, bool requireStable, string group = Group)
    {
        var fetched = Core.FetchOffsets(group, [new OffsetFetchRequest.OffsetFetchRequestTopics { Name = topic, PartitionIndexes = [partition] }], requireStable: requireStable);
        var result = fetched.Topics[0].Partitions[0];
        return ((ErrorCode)result.ErrorCode, result.CommittedOffset);
    }

    public ErrorCode CommitError(string memberId, int generation, string? instanceId = null) =>
        (ErrorCode)Commit(memberId, generation, "topic-a", 0, 1, instanceId: instanceId).Topics[0].Partitions[0].ErrorCode;

    public long? Committed(string topic, int partition, string group = Group)
    {
        var fetched = Core.FetchOffsets(group, [new OffsetFetchRequest.OffsetFetchRequestTopics { Name = topic, PartitionIndexes = [partition] }]);
        var offset = fetched.Topics[0].Partitions[0].CommittedOffset;
        return offset < 0 ? null : offset;
    }

    /// <summary>Two members through a full rebalance to Stable; returns (leader, follower, generation).</summary>
    public (string Leader, string Follower, int Generation) StableGroupOfTwo()
    {
        var (first, firstToken) = JoinNew();
        var (second, secondToken) = JoinNew();
        AdvanceUntilJoinCompletes();
        var firstJoin = JoinResult(firstToken);
        var secondJoin = JoinResult(secondToken);
        Assert.Equal(firstJoin.GenerationId, secondJoin.GenerationId);
        var leader = firstJoin.Leader;
        var follower = leader == first ? second : first;
        var generation = firstJoin.GenerationId;
        var (followerToken, followerSync) = Sync(follower, generation);
        Assert.Null(followerSync);
        var (leaderToken, leaderSync) = Sync(leader, generation, new Dictionary<string, byte[]> { [leader] = [1], [follower] = [2] });
        Assert.Null(leaderSync);
        Assert.Equal(new byte[] { 1 }, SyncResult(leaderToken).Assignment);
        Assert.Equal(new byte[] { 2 }, SyncResult(followerToken).Assignment);
        Assert.Equal(Groups.GroupState.Stable, GroupState.State);
        return (leader, follower, generation);
    }

    public static byte[] Subscription(params string[] topics)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new ProtocolWriter(buffer);
        writer.WriteInt16(0);
        new ConsumerProtocolSubscription { Topics = [.. topics] }.Write(ref writer, 0);
        return buffer.WrittenSpan.ToArray();
    }
}
