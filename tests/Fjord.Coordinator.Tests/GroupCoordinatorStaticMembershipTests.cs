using Fjord.Coordinator.Groups;
using Fjord.Protocol.Errors;

namespace Fjord.Coordinator.Tests;

public class GroupCoordinatorStaticMembershipTests
{
    private static (GroupCoordinatorTestContext Context, string A, string B, int Generation) StableStaticGroup()
    {
        var context = new GroupCoordinatorTestContext();
        var (_, first) = context.Join(instanceId: "instance-a");
        Assert.Null(first);
        var tokenA = context.Completed.Count + 1;
        context.Join(instanceId: "instance-b");
        context.AdvanceUntilJoinCompletes();
        var group = context.GroupState;
        var a = group.StaticMemberId("instance-a")!;
        var b = group.StaticMemberId("instance-b")!;
        var generation = group.GenerationId;
        Assert.StartsWith("instance-a-", a);
        var leader = group.LeaderId!;
        var other = leader == a ? b : a;
        context.Sync(other, generation, instanceId: leader == a ? "instance-b" : "instance-a");
        context.Sync(leader, generation, new Dictionary<string, byte[]> { [a] = [1], [b] = [2] }, instanceId: leader == a ? "instance-a" : "instance-b");
        Assert.Equal(GroupState.Stable, group.State);
        _ = tokenA;
        return (context, a, b, generation);
    }

    [Fact]
    public void StaticMember_FirstJoin_SkipsMemberIdRequired()
    {
        var context = new GroupCoordinatorTestContext();
        var (_, response) = context.Join(instanceId: "instance-a");
        Assert.Null(response);
        Assert.NotNull(context.GroupState.StaticMemberId("instance-a"));
    }

    [Fact]
    public void StaticMember_RejoinWithNewIdInStable_ReplacesWithoutRebalance()
    {
        var (context, a, _, generation) = StableStaticGroup();
        var (_, response) = context.Join(instanceId: "instance-a");
        Assert.NotNull(response);
        Assert.Equal(0, response!.ErrorCode);
        Assert.Equal(generation, response.GenerationId);
        Assert.NotEqual(a, response.MemberId);
        Assert.Equal(GroupState.Stable, context.GroupState.State);
        Assert.Equal(new byte[] { 1 }, context.GroupState.Get(response.MemberId)!.Assignment);
        Assert.Equal(ErrorCode.FencedInstanceId, context.Heartbeat(a, generation, "instance-a"));
        Assert.Equal(ErrorCode.None, context.Heartbeat(response.MemberId, generation, "instance-a"));
    }

    [Fact]
    public void StaticMember_RejoinAsLeaderV9_GetsSkipAssignment()
    {
        var (context, a, b, _) = StableStaticGroup();
        var leaderInstance = context.GroupState.LeaderId == a ? "instance-a" : "instance-b";
        var (_, response) = context.Join(instanceId: leaderInstance, version: 9);
        Assert.True(response!.SkipAssignment);
        Assert.Equal(2, response.Members.Count);
        Assert.Equal(response.MemberId, context.GroupState.LeaderId);
        _ = b;
    }

    [Fact]
    public void StaticMember_RejoinWithExtraProtocolThatCannotWin_StaysWithoutRebalance()
    {
        // Kafka compares the protocol the next generation would select, not the raw protocol list:
        // the other member supports only "range", so "range" stays selected.
        var (context, _, _, generation) = StableStaticGroup();
        var (_, response) = context.Join(instanceId: "instance-a", protocols: [("roundrobin", GroupCoordinatorTestContext.Subscription("topic-a")), ("range", GroupCoordinatorTestContext.Subscription("topic-a"))]);
        Assert.Equal(generation, response!.GenerationId);
        Assert.Equal(GroupState.Stable, context.GroupState.State);
    }

    [Fact]
    public void StaticMember_AloneRejoinsPreferringAnotherProtocol_TriggersRebalance()
    {
        var context = new GroupCoordinatorTestContext();
        context.Join(instanceId: "solo", protocols: [("range", GroupCoordinatorTestContext.Subscription("t")), ("roundrobin", GroupCoordinatorTestContext.Subscription("t"))]);
        context.AdvanceUntilJoinCompletes();
        var member = context.GroupState.StaticMemberId("solo")!;
        context.Sync(member, 1, new Dictionary<string, byte[]> { [member] = [1] }, instanceId: "solo");
        var (token, response) = context.Join(instanceId: "solo", protocols: [("roundrobin", GroupCoordinatorTestContext.Subscription("t"))]);
        Assert.Null(response);
        Assert.Equal("roundrobin", context.JoinResult(token).ProtocolName);
        Assert.Equal(2, context.JoinResult(token).GenerationId);
    }

    [Fact]
    public void StaticMember_StaleIdOnCommitSyncAndJoin_IsFenced()
    {
        var (context, a, _, generation) = StableStaticGroup();
        context.Join(instanceId: "instance-a");
        Assert.Equal(ErrorCode.FencedInstanceId, context.CommitError(a, generation, "instance-a"));
        Assert.Equal((short)ErrorCode.FencedInstanceId, context.Sync(a, generation, instanceId: "instance-a").Response!.ErrorCode);
        Assert.Equal((short)ErrorCode.FencedInstanceId, context.Join(memberId: a, instanceId: "instance-a").Response!.ErrorCode);
    }

    [Fact]
    public void StaticMember_LeaveByInstanceIdOnly_RemovesIt()
    {
        var (context, a, _, _) = StableStaticGroup();
        var response = context.Leave(("", "instance-a"));
        Assert.Equal(0, response.Members[0].ErrorCode);
        Assert.False(context.GroupState.Has(a));
        Assert.Equal((short)ErrorCode.UnknownMemberId, context.Leave(("", "instance-zzz")).Members[0].ErrorCode);
    }

    [Fact]
    public void StaticMember_LeaveWithStaleId_IsFenced()
    {
        var (context, a, _, _) = StableStaticGroup();
        context.Join(instanceId: "instance-a");
        Assert.Equal((short)ErrorCode.FencedInstanceId, context.Leave((a, "instance-a")).Members[0].ErrorCode);
    }

    [Fact]
    public void StaticMember_NotRejoiningDuringRebalance_KeepsItsPlaceUntilSessionTimeout()
    {
        var (context, a, b, generation) = StableStaticGroup();
        var leader = context.GroupState.LeaderId!;
        var other = leader == a ? b : a;
        var (token, _) = context.Join(memberId: leader, instanceId: leader == a ? "instance-a" : "instance-b");
        // The other static member does not rejoin; the rebalance timeout passes but it stays (KIP-345).
        for (var i = 0; i < 3; i++)
        {
            context.Advance(TimeSpan.FromSeconds(5));
            context.Heartbeat(other, generation, other == a ? "instance-a" : "instance-b");
        }

        context.Advance(TimeSpan.FromSeconds(15));
        Assert.True(context.Completed.ContainsKey(token));
        Assert.True(context.GroupState.Has(other) || context.GroupState.GenerationId > generation);
    }
}
