using Fjord.Coordinator.Groups;
using Fjord.Protocol.Errors;

namespace Fjord.Coordinator.Tests;

public class GroupCoordinatorAdminTests
{
    [Fact]
    public void Describe_StableGroup_ShowsMembersWithMetadataAndAssignment()
    {
        var context = new GroupCoordinatorTestContext();
        var (_, follower, _) = context.StableGroupOfTwo();
        var described = context.Core.DescribeGroup(GroupCoordinatorTestContext.Group);
        Assert.Equal("Stable", described.GroupState);
        Assert.Equal("consumer", described.ProtocolType);
        Assert.Equal("range", described.ProtocolData);
        var member = described.Members.Single(m => m.MemberId == follower);
        Assert.Equal(new byte[] { 2 }, member.MemberAssignment);
        Assert.Equal(GroupCoordinatorTestContext.Subscription("topic-a"), member.MemberMetadata);
        Assert.Equal("/127.0.0.1", member.ClientHost);
    }

    [Fact]
    public void Describe_RebalancingGroup_HidesMetadata_UnknownGroupIsDead()
    {
        var context = new GroupCoordinatorTestContext();
        context.JoinNew();
        var described = context.Core.DescribeGroup(GroupCoordinatorTestContext.Group);
        Assert.Equal("PreparingRebalance", described.GroupState);
        Assert.Empty(described.Members[0].MemberMetadata);
        Assert.Equal("", described.ProtocolData);
        var unknown = context.Core.DescribeGroup("nobody");
        Assert.Equal("Dead", unknown.GroupState);
        Assert.Equal(0, unknown.ErrorCode);
    }

    [Fact]
    public void List_FiltersByStateAndType()
    {
        var context = new GroupCoordinatorTestContext();
        context.StableGroupOfTwo();
        context.Commit("", -1, "topic-a", 0, 1, group: "simple");
        Assert.Equal(["my-group", "simple"], context.Core.ListGroups([], []).Groups.Select(g => g.GroupId));
        Assert.Equal(["simple"], context.Core.ListGroups(["empty"], []).Groups.Select(g => g.GroupId));
        Assert.Equal(["my-group"], context.Core.ListGroups(["Stable"], ["Classic"]).Groups.Select(g => g.GroupId));
        Assert.Empty(context.Core.ListGroups([], ["consumer"]).Groups);
        Assert.Equal("", context.Core.ListGroups([], []).Groups[1].ProtocolType);
    }

    [Fact]
    public void List_WhileLoading_ReportsLoadInProgress()
    {
        var context = new GroupCoordinatorTestContext(activate: false);
        context.Core.BeginLoading(0);
        Assert.Equal((short)ErrorCode.CoordinatorLoadInProgress, context.Core.ListGroups([], []).ErrorCode);
    }

    [Fact]
    public void DeleteGroups_Cases()
    {
        var context = new GroupCoordinatorTestContext();
        context.StableGroupOfTwo();
        context.Commit("", -1, "topic-a", 0, 1, group: "simple");
        var response = context.Apply(context.Core.DeleteGroups(["my-group", "simple", "nobody"]));
        Assert.Equal([(short)ErrorCode.NonEmptyGroup, (short)0, (short)ErrorCode.GroupIdNotFound], response.Results.Select(r => r.ErrorCode));
        Assert.Null(context.Core.TryGetGroup("simple"));
        Assert.Null(context.Committed("topic-a", 0, "simple"));
        Assert.Equal(2, context.Log.Count(r => r.GroupId == "simple" && r.IsTombstone));
    }

    [Fact]
    public void Unload_FailsParkedRequestsWithNotCoordinator()
    {
        var context = new GroupCoordinatorTestContext();
        var (_, token) = context.JoinNew();
        context.ApplyOutput(context.Core.Unload(context.Core.PartitionFor(GroupCoordinatorTestContext.Group)));
        Assert.Equal((short)ErrorCode.NotCoordinator, context.JoinResult(token).ErrorCode);
        Assert.Null(context.Core.TryGetGroup(GroupCoordinatorTestContext.Group));
        Assert.Equal(ErrorCode.NotCoordinator, context.Heartbeat("m", 1));
    }

    [Fact]
    public void SnapshotAppendFailed_VoidsAssignmentAndRebalances()
    {
        var context = new GroupCoordinatorTestContext();
        var (_, _, generation) = context.StableGroupOfTwo();
        context.ApplyOutput(context.Core.OnSnapshotAppendFailed(GroupCoordinatorTestContext.Group, generation));
        Assert.Equal(GroupState.PreparingRebalance, context.GroupState.State);
        Assert.All(context.GroupState.Members, m => Assert.Empty(m.Assignment));
    }
}
