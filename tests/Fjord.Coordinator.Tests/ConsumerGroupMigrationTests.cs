using System.Buffers;
using Fjord.Coordinator.ConsumerGroups;
using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Coordinator.Groups;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Tests;

/// <summary>
/// KIP-848's online migration: a classic group with members becomes a consumer group when a consumer-protocol
/// member joins, its classic members keep using JoinGroup/SyncGroup/Heartbeat, and it becomes classic again when
/// the last consumer-protocol member leaves; group.consumer.migration.policy decides which ways are allowed.
/// </summary>
public sealed class ConsumerGroupMigrationTests
{
    private const string Group = ConsumerGroupTestContext.Group;

    // Sync tokens far above the ones the test context hands out for joins, so completions never collide.
    private static long s_nextSyncToken = 1_000_000;

    [Fact]
    public void Upgrade_ClassicMembersMoveThroughJoinAndSync_AndNoPartitionIsOwnedTwice()
    {
        var context = new ConsumerGroupTestContext();
        var topic = context.Topics.Create("t", 6);
        var (a, b, generation) = StableClassicGroup(context);

        var joined = context.Join("c", ["t"]);

        Assert.Equal(0, joined.ErrorCode);
        Assert.False(context.Core.TryGetGroup(Group) is { MemberCount: > 0 }, "the classic group is gone");
        var group = context.GroupState;
        Assert.Equal(new[] { a, b, "c" }.Order(StringComparer.Ordinal), group.Members.Keys);
        Assert.True(group.Members[a].Metadata.UsesClassicProtocol);
        Assert.False(group.Members["c"].Metadata.UsesClassicProtocol);
        Assert.Equal(generation + 1, group.GroupEpoch);
        Assert.Empty(context.Owned("c"));

        // The classic members learn of the new epoch from their heartbeat and rejoin; eager members own nothing then.
        Assert.Equal(ErrorCode.RebalanceInProgress, Heartbeat(context, a, generation));
        Assert.Equal(ErrorCode.RebalanceInProgress, Heartbeat(context, b, generation));
        var ownedA = Rejoin(context, a, generation + 1);
        var ownedB = Rejoin(context, b, generation + 1);
        Assert.Equal(ErrorCode.None, Heartbeat(context, a, generation + 1));
        Assert.Equal(ErrorCode.None, Heartbeat(context, b, generation + 1));
        context.HeartbeatUntilStable("c");

        var ownedC = context.Owned("c").Select(p => p.Partition).ToList();
        Assert.Equal(2, ownedA.Count);
        Assert.Equal(2, ownedB.Count);
        Assert.Equal(2, ownedC.Count);
        Assert.Equal(Enumerable.Range(0, 6), ownedA.Concat(ownedB).Concat(ownedC).Order());
        Assert.All(context.GroupState.Members[a].Assignment.AssignedPartitions, p => Assert.Equal(topic, p.TopicId));
        Assert.Equal(ConsumerGroupState.Stable, context.GroupState.State);

        // ConsumerGroupDescribe v1 (KIP-1099) types the members: 0 classic, 1 consumer.
        var described = Assert.Single(context.Core.ConsumerGroupDescribe([Group]).Groups);
        Assert.Equal([0, 0, 1], described.Members.Select(m => (int)m.MemberType).Order());

        // Classic members commit with their generation, which is their member epoch.
        Assert.Equal(0, Commit(context, a, generation + 1));
        Assert.Equal((short)ErrorCode.IllegalGeneration, Commit(context, a, generation));
    }

    [Fact]
    public void Downgrade_WhenTheLastConsumerMemberLeaves_TheClassicMembersRebalanceAsAClassicGroup()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("t", 6);
        var (a, b, generation) = StableClassicGroup(context);
        Assert.Equal(0, Commit(context, a, generation, offset: 7));
        context.Join("c", ["t"]);
        Rejoin(context, a, generation + 1);
        Rejoin(context, b, generation + 1);
        context.HeartbeatUntilStable("c");

        var left = context.Leave("c");

        Assert.Equal(0, left.ErrorCode);
        Assert.Null(context.Core.TryGetConsumerGroup(Group));
        var classic = context.Core.TryGetGroup(Group)!;
        Assert.Equal(2, classic.MemberCount);
        Assert.Equal(Groups.GroupState.PreparingRebalance, classic.State);
        Assert.Equal("consumer", classic.ProtocolType);
        Assert.Equal("range", classic.ProtocolName);
        Assert.Equal(7, context.Inner.Committed("t", 0, Group));
        Assert.Contains(context.Inner.Log, r => r is GroupMetadataRecord { Value.Members.Count: 2 });
        Assert.Equal(ErrorCode.RebalanceInProgress, Heartbeat(context, a, classic.GenerationId));

        // Both rejoin with the classic protocol; the join completes and the generation moves on.
        var (joinA, _) = ClassicJoin(context, a);
        var (joinB, _) = ClassicJoin(context, b);
        for (var i = 0; i < 60 && !(context.Inner.Completed.ContainsKey(joinA) && context.Inner.Completed.ContainsKey(joinB)); i++)
        {
            context.Inner.Advance(TimeSpan.FromSeconds(1));
        }

        var responseA = context.Inner.JoinResult(joinA);
        Assert.Equal(0, responseA.ErrorCode);
        Assert.Equal(classic.GenerationId, responseA.GenerationId);
        Assert.Equal(Groups.GroupState.CompletingRebalance, classic.State);
    }

    [Theory]
    [InlineData(ConsumerGroupMigrationPolicy.Disabled)]
    [InlineData(ConsumerGroupMigrationPolicy.Downgrade)]
    public void Upgrade_RefusedByThePolicy_IsGroupIdNotFound_AndTheClassicGroupStays(ConsumerGroupMigrationPolicy policy)
    {
        var context = new ConsumerGroupTestContext(Config(policy));
        context.Topics.Create("t", 2);
        StableClassicGroup(context);

        var response = context.Join("c", ["t"]);

        Assert.Equal((short)ErrorCode.GroupIdNotFound, response.ErrorCode);
        Assert.Contains("online upgrade is disabled", response.ErrorMessage);
        Assert.Equal(2, context.Core.TryGetGroup(Group)!.MemberCount);
        Assert.Null(context.Core.TryGetConsumerGroup(Group));
    }

    [Fact]
    public void Downgrade_RefusedByThePolicy_LeavesAConsumerGroupOfClassicMembers()
    {
        var context = new ConsumerGroupTestContext(Config(ConsumerGroupMigrationPolicy.Upgrade));
        context.Topics.Create("t", 4);
        var (a, b, generation) = StableClassicGroup(context);
        context.Join("c", ["t"]);

        context.Leave("c");

        var group = context.GroupState;
        Assert.Equal(2, group.Members.Count);
        Assert.All(group.Members.Values, m => Assert.True(m.Metadata.UsesClassicProtocol));
        Assert.Equal(ErrorCode.RebalanceInProgress, Heartbeat(context, a, generation));
        var owned = Rejoin(context, a, group.GroupEpoch).Concat(Rejoin(context, b, group.GroupEpoch)).Order();
        Assert.Equal(Enumerable.Range(0, 4), owned);
    }

    [Fact]
    public void AClassicMember_ThatDoesNotRejoinWhenAsked_IsRemovedAfterItsRebalanceTimeout_AndTheOthersGetItsPartitions()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("t", 4);
        var (a, b, generation) = StableClassicGroup(context);
        context.Join("c", ["t"]);
        Rejoin(context, b, generation + 1);
        Assert.Equal(ErrorCode.RebalanceInProgress, Heartbeat(context, a, generation));

        // a keeps heartbeating (so its session lives) but never sends the JoinGroup; its rebalance timeout is 30 s.
        for (var second = 0; second < 29; second++)
        {
            context.Inner.Advance(TimeSpan.FromSeconds(1));
            Heartbeat(context, a, generation);
            Heartbeat(context, b, generation + 1);
            context.Heartbeat("c");
        }

        Assert.True(context.GroupState.Members.ContainsKey(a), "a is still a member before its rebalance timeout");
        context.Inner.Advance(TimeSpan.FromSeconds(2));
        Assert.False(context.GroupState.Members.ContainsKey(a), "a is removed once its rebalance timeout passed");
        Assert.Equal(ErrorCode.UnknownMemberId, Heartbeat(context, a, generation));
    }

    [Fact]
    public void ANewClassicMember_ThatNeverSyncs_IsRemovedAfterItsRebalanceTimeout()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("t", 2);
        context.Join("c", ["t"]);
        var d = NewMemberId(context);
        var joined = JoinResponse(context, ClassicJoin(context, d));
        Assert.Equal(0, joined.ErrorCode);
        Assert.True(context.GroupState.Members[d].Metadata.UsesClassicProtocol);

        for (var second = 0; second < 31; second++)
        {
            context.Inner.Advance(TimeSpan.FromSeconds(1));
            Heartbeat(context, d, joined.GenerationId);
            context.Heartbeat("c");
        }

        Assert.False(context.GroupState.Members.ContainsKey(d), "d never sent SyncGroup within its rebalance timeout");
    }

    [Fact]
    public void ClassicJoin_WithAnotherProtocolType_IsInconsistentGroupProtocol()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("t", 2);
        context.Join("c", ["t"]);

        var response = JoinResponse(context, ClassicJoin(context, "", protocolType: "connect"));

        Assert.Equal((short)ErrorCode.InconsistentGroupProtocol, response.ErrorCode);
    }

    [Fact]
    public void AfterAnUpgrade_ReplayingTheLog_RestoresTheClassicMembersOfTheConsumerGroup()
    {
        var context = new ConsumerGroupTestContext();
        context.Topics.Create("t", 6);
        var (a, b, generation) = StableClassicGroup(context);
        context.Join("c", ["t"]);
        Rejoin(context, a, generation + 1);

        var reloaded = new GroupCoordinator(context.Inner.Config, context.Inner.Time, new Random(1), context.Topics);
        foreach (var record in context.Inner.Log)
        {
            var key = CoordinatorRecordSerde.EncodeKey(record);
            var value = CoordinatorRecordSerde.EncodeValue(record);
            reloaded.Replay(CoordinatorRecordSerde.Decode(key, value, value is null)!);
        }

        var original = context.GroupState;
        var restored = reloaded.TryGetConsumerGroup(Group)!;
        Assert.False(reloaded.TryGetGroup(Group) is { MemberCount: > 0 }, "the classic group is gone after replay");
        Assert.Equal(original.GroupEpoch, restored.GroupEpoch);
        Assert.Equal(original.Members.Keys, restored.Members.Keys);
        foreach (var (memberId, member) in original.Members)
        {
            Assert.True(member.Metadata.SameAs(restored.Members[memberId].Metadata), memberId);
            Assert.True(member.Assignment.SameAs(restored.Members[memberId].Assignment), memberId);
        }

        var classic = restored.Members[b].Metadata.Classic!;
        Assert.Equal(10_000, classic.SessionTimeoutMs);
        Assert.Equal("range", classic.Preferred.Name);
    }

    private static GroupCoordinatorConfig Config(ConsumerGroupMigrationPolicy policy) =>
        new() { OffsetsTopicNumPartitions = 4, ConsumerGroupMigrationPolicy = policy };

    /// <summary>Two classic members (eager, range) through a full rebalance; the leader gives a the lower half of "t".</summary>
    private static (string A, string B, int Generation) StableClassicGroup(ConsumerGroupTestContext context)
    {
        var a = NewMemberId(context);
        var b = NewMemberId(context);
        var (joinA, _) = ClassicJoin(context, a);
        var (joinB, _) = ClassicJoin(context, b);
        for (var i = 0; i < 60 && !context.Inner.Completed.ContainsKey(joinB); i++)
        {
            context.Inner.Advance(TimeSpan.FromSeconds(1));
        }

        var join = context.Inner.JoinResult(joinA);
        var generation = join.GenerationId;
        var count = context.Topics.Topics.Single(t => t.Name == "t").PartitionCount;
        var leader = join.Leader;
        var follower = leader == a ? b : a;
        var assignments = new Dictionary<string, byte[]>
        {
            [a] = Assignment(Enumerable.Range(0, count / 2)),
            [b] = Assignment(Enumerable.Range(count / 2, count - count / 2)),
        };
        Sync(context, follower, generation, null);
        Sync(context, leader, generation, assignments);
        Assert.Equal(Groups.GroupState.Stable, context.Core.TryGetGroup(Group)!.State);
        return (a, b, generation);
    }

    private static string NewMemberId(ConsumerGroupTestContext context)
    {
        var response = JoinResponse(context, ClassicJoin(context, ""));
        Assert.Equal((short)ErrorCode.MemberIdRequired, response.ErrorCode);
        return response.MemberId;
    }

    private static (long Token, JoinGroupResponse? Immediate) ClassicJoin(ConsumerGroupTestContext context, string memberId, string protocolType = "consumer") =>
        context.Inner.Join(memberId: memberId, protocolType: protocolType, group: Group, protocols: ("range", GroupCoordinatorTestContext.Subscription("t")));

    private static JoinGroupResponse JoinResponse(ConsumerGroupTestContext context, (long Token, JoinGroupResponse? Immediate) join) =>
        join.Immediate ?? context.Inner.JoinResult(join.Token);

    /// <summary>A classic member's JoinGroup (answered at once in a consumer group) and SyncGroup; returns the partitions it was given.</summary>
    private static List<int> Rejoin(ConsumerGroupTestContext context, string memberId, int expectedGeneration)
    {
        var join = JoinResponse(context, ClassicJoin(context, memberId));
        Assert.Equal(0, join.ErrorCode);
        Assert.Equal(expectedGeneration, join.GenerationId);
        Assert.Equal("", join.Leader);
        Assert.Equal("range", join.ProtocolName);
        var sync = Sync(context, memberId, join.GenerationId, null)!;
        Assert.Equal(0, sync.ErrorCode);
        Assert.True(ConsumerSubscriptions.TryReadAssignment(sync.Assignment, out var assignment));
        return [.. assignment!.AssignedPartitions.SelectMany(t => t.Partitions)];
    }

    private static SyncGroupResponse? Sync(ConsumerGroupTestContext context, string memberId, int generation, Dictionary<string, byte[]>? assignments)
    {
        var request = new SyncGroupRequest { GroupId = Group, GenerationId = generation, MemberId = memberId };
        foreach (var (member, bytes) in assignments ?? [])
        {
            request.Assignments.Add(new SyncGroupRequest.SyncGroupRequestAssignment { MemberId = member, Assignment = bytes });
        }

        return context.Inner.Apply(context.Core.SyncGroup(Interlocked.Increment(ref s_nextSyncToken), request, 3));
    }

    private static ErrorCode Heartbeat(ConsumerGroupTestContext context, string memberId, int generation) =>
        (ErrorCode)context.Inner.Apply(context.Core.Heartbeat(new HeartbeatRequest { GroupId = Group, MemberId = memberId, GenerationId = generation })).ErrorCode;

    private static short Commit(ConsumerGroupTestContext context, string memberId, int generation, long offset = 1) =>
        context.Inner.Commit(memberId, generation, "t", 0, offset, group: Group).Topics[0].Partitions[0].ErrorCode;

    private static byte[] Assignment(IEnumerable<int> partitions)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new ProtocolWriter(buffer);
        writer.WriteInt16(0);
        new ConsumerProtocolAssignment { AssignedPartitions = [new ConsumerProtocolAssignment.TopicPartition { Topic = "t", Partitions = [.. partitions] }] }.Write(ref writer, 0);
        return buffer.WrittenSpan.ToArray();
    }
}
