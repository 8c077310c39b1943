using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Coordinator.Groups;
using Fjord.Protocol.Errors;

namespace Fjord.Coordinator.Tests;

public class GroupCoordinatorSyncHeartbeatLeaveTests
{
    [Fact]
    public void Sync_LeaderAssignment_ReachesEveryMemberAndWritesSnapshot()
    {
        var context = new GroupCoordinatorTestContext();
        var (leader, follower, generation) = context.StableGroupOfTwo();
        var snapshot = Assert.IsType<GroupMetadataRecord>(context.Log[^1]);
        Assert.Equal(generation, snapshot.Value!.Generation);
        Assert.Equal(leader, snapshot.Value.Leader);
        Assert.Equal("range", snapshot.Value.Protocol);
        Assert.Equal(new byte[] { 2 }, snapshot.Value.Members.Single(m => m.MemberId == follower).Assignment);
    }

    [Fact]
    public void Sync_LeaderOmitsMember_ThatMemberGetsEmptyAssignment()
    {
        var context = new GroupCoordinatorTestContext();
        var (a, tokenA) = context.JoinNew();
        var (b, tokenB) = context.JoinNew();
        context.AdvanceUntilJoinCompletes();
        var generation = context.JoinResult(tokenA).GenerationId;
        var (followerToken, _) = context.Sync(b, generation);
        context.Sync(a, generation, new Dictionary<string, byte[]> { [a] = [9] });
        Assert.Empty(context.SyncResult(followerToken).Assignment);
    }

    [Fact]
    public void Sync_InStable_ReturnsCurrentAssignmentAtOnce()
    {
        var context = new GroupCoordinatorTestContext();
        var (_, follower, generation) = context.StableGroupOfTwo();
        var (_, response) = context.Sync(follower, generation);
        Assert.Equal(new byte[] { 2 }, response!.Assignment);
    }

    [Fact]
    public void Sync_Errors()
    {
        var context = new GroupCoordinatorTestContext();
        var (leader, follower, generation) = context.StableGroupOfTwo();
        Assert.Equal((short)ErrorCode.UnknownMemberId, context.Sync("ghost", generation).Response!.ErrorCode);
        Assert.Equal((short)ErrorCode.IllegalGeneration, context.Sync(follower, generation + 1).Response!.ErrorCode);
        Assert.Equal((short)ErrorCode.InconsistentGroupProtocol, context.Sync(follower, generation, version: 5, protocolName: "roundrobin").Response!.ErrorCode);
        context.Join(memberId: leader);
        Assert.Equal((short)ErrorCode.RebalanceInProgress, context.Sync(follower, generation).Response!.ErrorCode);
    }

    [Fact]
    public void Sync_UnknownGroup_IsUnknownMemberId()
    {
        var context = new GroupCoordinatorTestContext();
        Assert.Equal((short)ErrorCode.UnknownMemberId, context.Sync("m", 1).Response!.ErrorCode);
    }

    [Fact]
    public void Sync_V5_ReturnsProtocolTypeAndName()
    {
        var context = new GroupCoordinatorTestContext();
        var (_, follower, generation) = context.StableGroupOfTwo();
        var response = context.Sync(follower, generation, version: 5, protocolName: "range").Response!;
        Assert.Equal("consumer", response.ProtocolType);
        Assert.Equal("range", response.ProtocolName);
    }

    [Fact]
    public void Sync_MemberNeverSyncs_IsDroppedAfterRebalanceTimeout()
    {
        var context = new GroupCoordinatorTestContext();
        var (a, tokenA) = context.JoinNew(rebalanceTimeoutMs: 8_000);
        var (b, _) = context.JoinNew(rebalanceTimeoutMs: 8_000);
        context.AdvanceUntilJoinCompletes();
        var generation = context.JoinResult(tokenA).GenerationId;
        var leader = context.JoinResult(tokenA).Leader;
        var other = leader == a ? b : a;
        context.Sync(leader, generation, new Dictionary<string, byte[]> { [leader] = [1], [other] = [2] });
        for (var i = 0; i < 4; i++)
        {
            context.Advance(TimeSpan.FromSeconds(2));
            context.Heartbeat(leader, generation);
            context.Heartbeat(other, generation);
        }

        Assert.False(context.GroupState.Has(other));
        Assert.Equal(GroupState.PreparingRebalance, context.GroupState.State);
    }

    [Fact]
    public void Sync_LeaveDuringCompletingRebalance_FailsParkedSyncsWithRebalanceInProgress()
    {
        var context = new GroupCoordinatorTestContext();
        var (a, tokenA) = context.JoinNew();
        var (b, _) = context.JoinNew();
        context.AdvanceUntilJoinCompletes();
        var leader = context.JoinResult(tokenA).Leader;
        var other = leader == a ? b : a;
        var generation = context.JoinResult(tokenA).GenerationId;
        var (parked, _) = context.Sync(other, generation);
        context.Leave((leader, null));
        Assert.Equal((short)ErrorCode.RebalanceInProgress, context.SyncResult(parked).ErrorCode);
    }

    [Fact]
    public void Heartbeat_StatesAndErrors()
    {
        var context = new GroupCoordinatorTestContext();
        Assert.Equal(ErrorCode.UnknownMemberId, context.Heartbeat("m", 0));
        var (leader, follower, generation) = context.StableGroupOfTwo();
        Assert.Equal(ErrorCode.None, context.Heartbeat(follower, generation));
        Assert.Equal(ErrorCode.IllegalGeneration, context.Heartbeat(follower, generation - 1));
        Assert.Equal(ErrorCode.UnknownMemberId, context.Heartbeat("ghost", generation));
        context.Join(memberId: leader);
        Assert.Equal(ErrorCode.RebalanceInProgress, context.Heartbeat(follower, generation));
    }

    [Fact]
    public void Heartbeat_InCompletingRebalance_IsNone()
    {
        var context = new GroupCoordinatorTestContext();
        var (member, token) = context.JoinNew();
        context.AdvanceUntilJoinCompletes();
        Assert.Equal(ErrorCode.None, context.Heartbeat(member, context.JoinResult(token).GenerationId));
    }

    [Fact]
    public void SessionTimeout_SilentMemberIsRemovedAndGroupRebalances()
    {
        var context = new GroupCoordinatorTestContext();
        var (leader, follower, generation) = context.StableGroupOfTwo();
        context.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(ErrorCode.None, context.Heartbeat(leader, generation));
        context.Advance(TimeSpan.FromSeconds(4));
        Assert.False(context.GroupState.Has(follower));
        Assert.Equal(GroupState.PreparingRebalance, context.GroupState.State);
        var (token, _) = context.Join(memberId: leader);
        Assert.Equal(generation + 1, context.JoinResult(token).GenerationId);
        Assert.Single(context.JoinResult(token).Members);
    }

    [Fact]
    public void SessionTimeout_LastMemberExpires_GroupBecomesEmptyWithSnapshot()
    {
        var context = new GroupCoordinatorTestContext();
        var (member, token) = context.JoinNew();
        context.AdvanceUntilJoinCompletes();
        var generation = context.JoinResult(token).GenerationId;
        context.Sync(member, generation, new Dictionary<string, byte[]> { [member] = [1] });
        context.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(GroupState.Empty, context.GroupState.State);
        Assert.Equal(generation + 1, context.GroupState.GenerationId);
        var snapshot = Assert.IsType<GroupMetadataRecord>(context.Log[^1]);
        Assert.Empty(snapshot.Value!.Members);
        Assert.Null(snapshot.Value.Protocol);
    }

    [Fact]
    public void Leave_BatchOfMembers_RemovesKnownAndReportsUnknown()
    {
        var context = new GroupCoordinatorTestContext();
        var (leader, follower, _) = context.StableGroupOfTwo();
        var response = context.Leave((leader, null), (follower, null), ("ghost", null));
        Assert.Equal(0, response.ErrorCode);
        Assert.Equal([(short)0, (short)0, (short)ErrorCode.UnknownMemberId], response.Members.Select(m => m.ErrorCode));
        Assert.Equal(GroupState.Empty, context.GroupState.State);
    }

    [Fact]
    public void Leave_UnknownGroup_ReportsUnknownMemberPerMember()
    {
        var context = new GroupCoordinatorTestContext();
        var response = context.Leave(("m", null));
        Assert.Equal((short)ErrorCode.UnknownMemberId, response.Members[0].ErrorCode);
    }

    [Fact]
    public void Leave_PendingMember_IsForgotten()
    {
        var context = new GroupCoordinatorTestContext();
        var (_, response) = context.Join();
        Assert.Equal(0, context.Leave((response!.MemberId, null)).Members[0].ErrorCode);
        Assert.Empty(context.GroupState.PendingMembers);
    }

    [Fact]
    public void Leave_MemberAwaitingJoin_GetsUnknownMemberIdForItsJoin()
    {
        var context = new GroupCoordinatorTestContext();
        var (member, token) = context.JoinNew();
        context.Leave((member, null));
        Assert.Equal((short)ErrorCode.UnknownMemberId, context.JoinResult(token).ErrorCode);
    }

    [Fact]
    public void Leave_NotCoordinator_IsTopLevelError()
    {
        var context = new GroupCoordinatorTestContext(activate: false);
        Assert.Equal((short)ErrorCode.NotCoordinator, context.Leave(("m", null)).ErrorCode);
    }
}
