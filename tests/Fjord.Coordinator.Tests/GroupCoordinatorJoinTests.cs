using Fjord.Coordinator.Groups;
using Fjord.Protocol.Errors;
using static Fjord.Coordinator.Tests.GroupCoordinatorTestContext;

namespace Fjord.Coordinator.Tests;

public class GroupCoordinatorJoinTests
{
    [Fact]
    public void Join_V4WithoutMemberId_AnswersMemberIdRequiredWithClientIdPrefix()
    {
        var context = new GroupCoordinatorTestContext();
        var (_, response) = context.Join(version: 4);
        Assert.Equal((short)ErrorCode.MemberIdRequired, response!.ErrorCode);
        Assert.StartsWith("client-", response.MemberId);
        Assert.True(context.GroupState.PendingMembers.ContainsKey(response.MemberId));
        Assert.Equal(GroupState.Empty, context.GroupState.State);
    }

    [Fact]
    public void Join_V3WithoutMemberId_JoinsDirectly()
    {
        var context = new GroupCoordinatorTestContext();
        var (token, response) = context.Join(version: 3);
        Assert.Null(response);
        Assert.Equal(GroupState.PreparingRebalance, context.GroupState.State);
        context.AdvanceUntilJoinCompletes();
        var joined = context.JoinResult(token);
        Assert.Equal(1, joined.GenerationId);
        Assert.Equal(joined.MemberId, joined.Leader);
        Assert.Single(joined.Members);
    }

    [Fact]
    public void Join_NewGroup_WaitsInitialRebalanceDelay()
    {
        var context = new GroupCoordinatorTestContext();
        var (_, token) = context.JoinNew();
        context.Advance(TimeSpan.FromMilliseconds(2999));
        Assert.False(context.Completed.ContainsKey(token));
        context.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(GroupState.CompletingRebalance, context.GroupState.State);
        Assert.Equal("range", context.JoinResult(token).ProtocolName);
    }

    [Fact]
    public void Join_NewMemberDuringInitialDelay_ExtendsDelayUpToRebalanceTimeout()
    {
        var context = new GroupCoordinatorTestContext();
        var (_, first) = context.JoinNew(rebalanceTimeoutMs: 7_000);
        context.Advance(TimeSpan.FromSeconds(2));
        var (_, second) = context.JoinNew(rebalanceTimeoutMs: 7_000);
        context.Advance(TimeSpan.FromSeconds(1)); // first delay over; a member arrived: wait min(3s, remaining 4s)
        Assert.False(context.Completed.ContainsKey(first));
        context.AdvanceUntilJoinCompletes();
        Assert.True(context.Completed.ContainsKey(first));
        Assert.True(context.Completed.ContainsKey(second));
        Assert.Equal(2, context.JoinResult(first).Members.Count + context.JoinResult(second).Members.Count);
    }

    [Fact]
    public void Join_InitialDelayZero_CompletesAtOnce()
    {
        var context = new GroupCoordinatorTestContext(new GroupCoordinatorConfig { OffsetsTopicNumPartitions = 4, GroupInitialRebalanceDelayMs = 0 });
        var (_, token) = context.JoinNew();
        Assert.True(context.Completed.ContainsKey(token));
    }

    [Theory]
    [InlineData(5_999)]
    [InlineData(1_800_001)]
    public void Join_SessionTimeoutOutOfBounds_IsInvalidSessionTimeout(int sessionTimeoutMs)
    {
        var context = new GroupCoordinatorTestContext();
        var (_, response) = context.Join(sessionTimeoutMs: sessionTimeoutMs);
        Assert.Equal((short)ErrorCode.InvalidSessionTimeout, response!.ErrorCode);
        Assert.Null(context.Core.TryGetGroup(Group));
    }

    [Fact]
    public void Join_EmptyGroupId_IsInvalidGroupId()
    {
        var context = new GroupCoordinatorTestContext();
        var (_, response) = context.Join(group: "");
        Assert.Equal((short)ErrorCode.InvalidGroupId, response!.ErrorCode);
    }

    [Fact]
    public void Join_UnknownMemberIdOnUnknownGroup_IsUnknownMemberId()
    {
        var context = new GroupCoordinatorTestContext();
        var (_, response) = context.Join(memberId: "ghost");
        Assert.Equal((short)ErrorCode.UnknownMemberId, response!.ErrorCode);
    }

    [Fact]
    public void Join_DifferentProtocolType_IsInconsistentGroupProtocol()
    {
        var context = new GroupCoordinatorTestContext();
        context.JoinNew();
        var (_, response) = context.Join(protocolType: "connect");
        Assert.Equal((short)ErrorCode.InconsistentGroupProtocol, response!.ErrorCode);
    }

    [Fact]
    public void Join_NoCommonProtocol_IsInconsistentGroupProtocol()
    {
        var context = new GroupCoordinatorTestContext();
        context.JoinNew();
        var (_, response) = context.Join(protocols: ("roundrobin", Subscription("topic-a")));
        Assert.Equal((short)ErrorCode.InconsistentGroupProtocol, response!.ErrorCode);
    }

    [Fact]
    public void Join_NoProtocols_IsInconsistentGroupProtocol()
    {
        var context = new GroupCoordinatorTestContext();
        var (_, response) = context.Join(protocolType: "");
        Assert.Equal((short)ErrorCode.InconsistentGroupProtocol, response!.ErrorCode);
    }

    [Fact]
    public void Join_GroupFull_IsGroupMaxSizeReached()
    {
        var context = new GroupCoordinatorTestContext(new GroupCoordinatorConfig { OffsetsTopicNumPartitions = 4, GroupMaxSize = 1 });
        context.JoinNew();
        var (_, response) = context.Join(version: 3);
        Assert.Equal((short)ErrorCode.GroupMaxSizeReached, response!.ErrorCode);
        Assert.Equal(1, context.GroupState.MemberCount);
    }

    [Fact]
    public void Join_PartitionLoading_IsCoordinatorLoadInProgress()
    {
        var context = new GroupCoordinatorTestContext(activate: false);
        context.Core.BeginLoading(context.Core.PartitionFor(Group));
        var (_, response) = context.Join();
        Assert.Equal((short)ErrorCode.CoordinatorLoadInProgress, response!.ErrorCode);
    }

    [Fact]
    public void Join_PartitionNotOwned_IsNotCoordinator()
    {
        var context = new GroupCoordinatorTestContext(activate: false);
        var (_, response) = context.Join();
        Assert.Equal((short)ErrorCode.NotCoordinator, response!.ErrorCode);
    }

    [Fact]
    public void Join_CooperativeAndEagerMembers_SelectTheCommonProtocol()
    {
        var context = new GroupCoordinatorTestContext();
        var (_, first) = context.JoinNew(protocols: [("cooperative-sticky", Subscription("t")), ("range", Subscription("t"))]);
        var (_, second) = context.JoinNew(protocols: [("range", Subscription("t"))]);
        context.AdvanceUntilJoinCompletes();
        Assert.Equal("range", context.JoinResult(first).ProtocolName);
        Assert.Equal("range", context.JoinResult(second).ProtocolName);
    }

    [Fact]
    public void Join_AllCooperative_SelectsCooperativeSticky()
    {
        var context = new GroupCoordinatorTestContext();
        var (_, first) = context.JoinNew(protocols: [("cooperative-sticky", Subscription("t")), ("range", Subscription("t"))]);
        context.JoinNew(protocols: [("cooperative-sticky", Subscription("t")), ("range", Subscription("t"))]);
        context.AdvanceUntilJoinCompletes();
        Assert.Equal("cooperative-sticky", context.JoinResult(first).ProtocolName);
    }

    [Fact]
    public void Join_LeaderGetsMembersFollowerDoesNot()
    {
        var context = new GroupCoordinatorTestContext();
        var (a, tokenA) = context.JoinNew();
        var (_, tokenB) = context.JoinNew();
        context.AdvanceUntilJoinCompletes();
        var joinA = context.JoinResult(tokenA);
        var joinB = context.JoinResult(tokenB);
        Assert.Equal(a, joinA.Leader);
        Assert.Equal(2, joinA.Members.Count);
        Assert.Empty(joinB.Members);
        Assert.Equal(Subscription("topic-a"), joinA.Members[0].Metadata);
    }

    [Fact]
    public void Join_StableFollowerRejoinsWithSameProtocols_GetsCurrentGenerationWithoutRebalance()
    {
        var context = new GroupCoordinatorTestContext();
        var (_, follower, generation) = context.StableGroupOfTwo();
        var (_, response) = context.Join(memberId: follower);
        Assert.Equal(generation, response!.GenerationId);
        Assert.Equal(GroupState.Stable, context.GroupState.State);
    }

    [Fact]
    public void Join_StableLeaderRejoins_TriggersRebalance()
    {
        var context = new GroupCoordinatorTestContext();
        var (leader, follower, generation) = context.StableGroupOfTwo();
        var (leaderToken, response) = context.Join(memberId: leader);
        Assert.Null(response);
        Assert.Equal(GroupState.PreparingRebalance, context.GroupState.State);
        Assert.Equal(ErrorCode.RebalanceInProgress, context.Heartbeat(follower, generation));
        var (followerToken, _) = context.Join(memberId: follower);
        Assert.Equal(generation + 1, context.JoinResult(leaderToken).GenerationId);
        Assert.Equal(generation + 1, context.JoinResult(followerToken).GenerationId);
    }

    [Fact]
    public void Join_ChangedProtocolsInStable_TriggersRebalance()
    {
        var context = new GroupCoordinatorTestContext();
        var (_, follower, _) = context.StableGroupOfTwo();
        var (_, response) = context.Join(memberId: follower, protocols: ("range", Subscription("topic-a", "topic-b")));
        Assert.Null(response);
        Assert.Equal(GroupState.PreparingRebalance, context.GroupState.State);
    }

    [Fact]
    public void Join_DuringCompletingRebalanceWithSameProtocols_RepeatsJoinResponse()
    {
        var context = new GroupCoordinatorTestContext();
        var (member, token) = context.JoinNew();
        context.AdvanceUntilJoinCompletes();
        var first = context.JoinResult(token);
        var (_, again) = context.Join(memberId: member);
        Assert.Equal(first.GenerationId, again!.GenerationId);
        Assert.Single(again.Members);
        Assert.Equal(GroupState.CompletingRebalance, context.GroupState.State);
    }

    [Fact]
    public void Join_RebalanceTimeout_DropsMembersThatDidNotRejoin()
    {
        var context = new GroupCoordinatorTestContext();
        var (leader, follower, generation) = context.StableGroupOfTwo();
        var (leaderToken, _) = context.Join(memberId: leader);

        // The follower keeps heartbeating (so its session does not expire) but never rejoins.
        for (var i = 0; i < 6; i++)
        {
            context.Advance(TimeSpan.FromSeconds(5));
            context.Heartbeat(follower, generation);
        }

        var joined = context.JoinResult(leaderToken);
        Assert.Equal(generation + 1, joined.GenerationId);
        Assert.Single(joined.Members);
        Assert.False(context.GroupState.Has(follower));
    }

    [Fact]
    public void Join_PendingMemberNeverRejoins_ExpiresAfterSessionTimeout()
    {
        var context = new GroupCoordinatorTestContext();
        var (_, response) = context.Join(sessionTimeoutMs: 6_000);
        Assert.Single(context.GroupState.PendingMembers);
        context.Advance(TimeSpan.FromSeconds(6));
        Assert.Empty(context.GroupState.PendingMembers);
        var (_, late) = context.Join(memberId: response!.MemberId);
        Assert.Equal((short)ErrorCode.UnknownMemberId, late!.ErrorCode);
    }

    [Fact]
    public void Join_PendingMemberBlocksJoinCompletionUntilItJoins()
    {
        var context = new GroupCoordinatorTestContext();
        var (leader, follower, _) = context.StableGroupOfTwo();
        var (_, pending) = context.Join(); // a third consumer got its id but has not rejoined
        var (leaderToken, _) = context.Join(memberId: leader);
        context.Join(memberId: follower);
        Assert.False(context.Completed.ContainsKey(leaderToken));
        context.Join(memberId: pending!.MemberId);
        Assert.Equal(3, context.JoinResult(leaderToken).Members.Count);
    }

    [Fact]
    public void Join_NewMemberThatNeverCompletesJoin_IsDroppedAfterNewMemberJoinTimeout()
    {
        var context = new GroupCoordinatorTestContext(new GroupCoordinatorConfig { OffsetsTopicNumPartitions = 4, NewMemberJoinTimeoutMs = 10_000 });
        var (leader, follower, generation) = context.StableGroupOfTwo();
        var (newMember, newToken) = context.JoinNew(rebalanceTimeoutMs: 300_000);
        for (var i = 0; i < 2; i++)
        {
            context.Advance(TimeSpan.FromSeconds(5));
            context.Heartbeat(leader, generation);
            context.Heartbeat(follower, generation);
        }

        Assert.Equal((short)ErrorCode.UnknownMemberId, context.JoinResult(newToken).ErrorCode);
        Assert.False(context.GroupState.Has(newMember));
    }
}
