using Fjord.Operator.Reconciling;

namespace Fjord.Operator.Tests.Reconciling;

public class FailoverPlannerTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 7, 3, 0, 0, TimeSpan.Zero);

    private static List<ObservedPod> Pods(int count) =>
        Enumerable.Range(0, count).Select(i => new ObservedPod($"c-{i}", i, Ready: true, Terminating: false, "r")).ToList();

    private static ObservedClusterHealth Health(int imbalance = 0, int underReplicated = 0, params ObservedBroker[] brokers) =>
        RollingUpdatePlannerTests.Healthy(0, 3) with
        {
            PreferredLeaderImbalance = imbalance,
            UnderReplicatedPartitions = underReplicated,
            Brokers = brokers.Length > 0 ? brokers : RollingUpdatePlannerTests.Healthy(0, 3).Brokers,
        };

    private static List<ObservedPod> Unready(int ordinal, TimeSpan forHowLong)
    {
        var pods = Pods(3);
        pods[ordinal] = pods[ordinal] with { Ready = false, NotReadySince = s_now - forHowLong };
        return pods;
    }

    [Fact]
    public void Decide_AllReadyAndLeadersPreferred_DoesNothing() =>
        Assert.Equal(FailoverDecisionKind.None, FailoverPlanner.Decide(Pods(3), Health(), 3, s_now).Kind);

    [Fact]
    public void Decide_AllBackAndInSync_LeadersOffPreferred_RestoresPreferredLeaders()
    {
        var decision = FailoverPlanner.Decide(Pods(3), Health(imbalance: 4), 3, s_now);

        Assert.Equal(FailoverDecisionKind.RestorePreferredLeaders, decision.Kind);
        Assert.Contains("4 leadership(s)", decision.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_ReturnedBrokerNotCaughtUp_WaitsBeforeRestoringLeaders() =>
        Assert.Equal(FailoverDecisionKind.None, FailoverPlanner.Decide(Pods(3), Health(imbalance: 4, underReplicated: 2), 3, s_now).Kind);

    [Fact]
    public void Decide_ABrokerStillFenced_WaitsBeforeRestoringLeaders() =>
        Assert.Equal(FailoverDecisionKind.None, FailoverPlanner.Decide(Pods(3), Health(4, 0,
            new ObservedBroker(0, false, false, 2, 3), new ObservedBroker(1, true, false, 0, 3), new ObservedBroker(2, false, false, 2, 3)), 3, s_now).Kind);

    [Fact]
    public void Decide_LiveBrokerUnreadyPastGraceStillLeading_RestartsIt()
    {
        var decision = FailoverPlanner.Decide(Unready(1, FailoverPlanner.Grace + TimeSpan.FromSeconds(1)), Health(), 3, s_now);

        Assert.Equal((FailoverDecisionKind.RestartUnready, 1, FailoverPlanner.ReasonBrokerUnready), (decision.Kind, decision.Ordinal, decision.Reason));
    }

    [Fact]
    public void Decide_UnreadyWithinGrace_Waits() =>
        Assert.Equal(FailoverDecisionKind.None, FailoverPlanner.Decide(Unready(1, FailoverPlanner.Grace - TimeSpan.FromSeconds(1)), Health(), 3, s_now).Kind);

    [Fact]
    public void Decide_UnreadyPastGraceButLeadingNothing_LeavesItAlone() =>
        Assert.Equal(FailoverDecisionKind.None, FailoverPlanner.Decide(Unready(1, TimeSpan.FromMinutes(5)), Health(0, 0,
            new ObservedBroker(0, false, false, 2, 3), new ObservedBroker(1, false, false, 0, 3), new ObservedBroker(2, false, false, 2, 3)), 3, s_now).Kind);

    [Fact]
    public void Decide_UnreadyPastGraceButFenced_LeavesItToTheController() =>
        Assert.Equal(FailoverDecisionKind.None, FailoverPlanner.Decide(Unready(1, TimeSpan.FromMinutes(5)), Health(0, 0,
            new ObservedBroker(0, false, false, 2, 3), new ObservedBroker(1, true, false, 1, 3), new ObservedBroker(2, false, false, 2, 3)), 3, s_now).Kind);

    [Fact]
    public void Decide_TwoBrokersDown_NeverRestartsAnother()
    {
        var pods = Unready(1, TimeSpan.FromMinutes(5));
        pods[2] = pods[2] with { Terminating = true };

        Assert.Equal(FailoverDecisionKind.None, FailoverPlanner.Decide(pods, Health(), 3, s_now).Kind);
    }

    [Fact]
    public void Decide_PodMissing_LeavesItToTheStatefulSetAndController() =>
        Assert.Equal(FailoverDecisionKind.None, FailoverPlanner.Decide(Pods(2), Health(imbalance: 3), 3, s_now).Kind);

    [Fact]
    public void Decide_ClusterUnreachable_DoesNothing() =>
        Assert.Equal(FailoverDecisionKind.None, FailoverPlanner.Decide(Unready(1, TimeSpan.FromMinutes(5)), ObservedClusterHealth.Unreachable, 3, s_now).Kind);
}
