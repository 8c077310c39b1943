using Fjord.Operator.Reconciling;

namespace Fjord.Operator.Tests.Reconciling;

public class RollingUpdatePlannerTests
{
    private const string Old = "rev-1";
    private const string New = "rev-2";

    internal static ObservedClusterHealth Healthy(int controllerId, int brokers, int urp = 0, int offline = 0, int reassigning = 0) =>
        new(true, controllerId, Enumerable.Range(0, brokers).Select(i => new ObservedBroker(i, false, false, 1, 3)).ToList(),
            urp, offline, reassigning, [], null);

    private static List<ObservedPod> Pods(params string?[] revisions) =>
        revisions.Select((r, i) => new ObservedPod($"c-{i}", i, Ready: true, Terminating: false, r)).ToList();

    [Fact]
    public void Next_AllPodsOnUpdateRevision_IsDone()
    {
        var decision = RollingUpdatePlanner.Next(Pods(New, New, New), New, 3, Healthy(0, 3));

        Assert.Equal(RollingDecisionKind.Done, decision.Kind);
    }

    [Fact]
    public void Next_RevisionNotObservedYet_Waits()
    {
        var decision = RollingUpdatePlanner.Next(Pods(Old, Old, Old), null, 3, Healthy(0, 3));

        Assert.Equal((RollingDecisionKind.Wait, RollingUpdatePlanner.ReasonRevisionUnknown), (decision.Kind, decision.Reason));
    }

    [Fact]
    public void Next_HealthyAndAllOutdated_RestartsHighestOrdinalFirst()
    {
        var decision = RollingUpdatePlanner.Next(Pods(Old, Old, Old), New, 3, Healthy(0, 3));

        Assert.Equal((RollingDecisionKind.Restart, 2, 3), (decision.Kind, decision.Ordinal, decision.Outdated));
    }

    [Fact]
    public void Next_ControllerIsHighestOrdinal_RollsItLast()
    {
        var first = RollingUpdatePlanner.Next(Pods(Old, Old, Old), New, 3, Healthy(2, 3));
        var last = RollingUpdatePlanner.Next(Pods(New, New, Old), New, 3, Healthy(2, 3));

        Assert.Equal(1, first.Ordinal);
        Assert.Equal((RollingDecisionKind.Restart, 2, "RestartingActiveController"), (last.Kind, last.Ordinal, last.Reason));
    }

    [Fact]
    public void Next_APodIsNotReady_WaitsSoOnlyOneBrokerIsDown()
    {
        var pods = Pods(Old, Old, New);
        pods[2] = pods[2] with { Ready = false };

        var decision = RollingUpdatePlanner.Next(pods, New, 3, Healthy(0, 3));

        Assert.Equal((RollingDecisionKind.Wait, RollingUpdatePlanner.ReasonPodNotReady, 2), (decision.Kind, decision.Reason, decision.Outdated));
    }

    [Fact]
    public void Next_APodIsTerminating_Waits()
    {
        var pods = Pods(Old, Old, Old);
        pods[2] = pods[2] with { Terminating = true };

        Assert.Equal(RollingDecisionKind.Wait, RollingUpdatePlanner.Next(pods, New, 3, Healthy(0, 3)).Kind);
    }

    [Fact]
    public void Next_APodIsMissing_Waits()
    {
        var decision = RollingUpdatePlanner.Next(Pods(Old, Old), New, 3, Healthy(0, 3));

        Assert.Equal((RollingDecisionKind.Wait, RollingUpdatePlanner.ReasonPodNotReady), (decision.Kind, decision.Reason));
    }

    [Theory]
    [InlineData(1, 0, 0)]
    [InlineData(0, 1, 0)]
    [InlineData(0, 0, 1)]
    public void Next_UnderReplicatedOfflineOrReassigning_WaitsForHealth(int urp, int offline, int reassigning)
    {
        var decision = RollingUpdatePlanner.Next(Pods(Old, Old, Old), New, 3, Healthy(0, 3, urp, offline, reassigning));

        Assert.Equal((RollingDecisionKind.Wait, RollingUpdatePlanner.ReasonClusterUnhealthy), (decision.Kind, decision.Reason));
    }

    [Fact]
    public void Next_ABrokerIsFenced_WaitsForHealth()
    {
        var health = Healthy(0, 3);
        health = health with { Brokers = [health.Brokers[0], health.Brokers[1] with { Fenced = true }, health.Brokers[2]] };

        Assert.Equal(RollingUpdatePlanner.ReasonClusterUnhealthy, RollingUpdatePlanner.Next(Pods(Old, Old, Old), New, 3, health).Reason);
    }

    [Fact]
    public void Next_ClusterUnreachable_WaitsForHealth()
    {
        var decision = RollingUpdatePlanner.Next(Pods(Old, Old, Old), New, 3, ObservedClusterHealth.Unreachable);

        Assert.Equal(RollingUpdatePlanner.ReasonClusterUnhealthy, decision.Reason);
    }

    [Fact]
    public void Next_RunToCompletion_RestartsEachPodOnceHighestFirstControllerLast()
    {
        var pods = Pods(Old, Old, Old, Old, Old);
        var order = new List<int>();
        for (var step = 0; step < 10; step++)
        {
            var decision = RollingUpdatePlanner.Next(pods, New, 5, Healthy(controllerId: 3, brokers: 5));
            if (decision.Kind == RollingDecisionKind.Done)
            {
                break;
            }
            Assert.Equal(RollingDecisionKind.Restart, decision.Kind);
            order.Add(decision.Ordinal);
            pods[decision.Ordinal] = pods[decision.Ordinal] with { Revision = New };
        }

        Assert.Equal([4, 2, 1, 0, 3], order);
    }
}
