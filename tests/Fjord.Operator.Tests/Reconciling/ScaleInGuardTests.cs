using Fjord.Operator.Reconciling;

namespace Fjord.Operator.Tests.Reconciling;

public class ScaleInGuardTests
{
    private static ObservedClusterHealth WithTopics(params TopicReplication[] topics) =>
        RollingUpdatePlannerTests.Healthy(0, 3) with { Topics = topics };

    [Fact]
    public void Decide_TopicWithRf3_RefusesScaleTo1()
    {
        var decision = ScaleInGuard.Decide(1, WithTopics(new("orders", 3), new("logs", 1)));

        Assert.False(decision.Allowed);
        Assert.Equal(ScaleInGuard.ReasonReplicationFactor, decision.Reason);
        Assert.Contains("orders (RF 3)", decision.Message);
        Assert.DoesNotContain("logs", decision.Message);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void Decide_EveryRfFits_Allows(int target)
    {
        Assert.True(ScaleInGuard.Decide(target, WithTopics(new("orders", 3), new("__consumer_offsets", 3))).Allowed);
    }

    [Fact]
    public void Decide_NoTopics_Allows()
    {
        Assert.True(ScaleInGuard.Decide(1, WithTopics()).Allowed);
    }

    [Fact]
    public void Decide_ClusterUnreachable_RefusesBecauseItCannotCheck()
    {
        var decision = ScaleInGuard.Decide(1, ObservedClusterHealth.Unreachable);

        Assert.Equal((false, ScaleInGuard.ReasonUnknownTopics), (decision.Allowed, decision.Reason));
    }

    [Fact]
    public void Decide_ManyBlockingTopics_NamesFiveAndCountsTheRest()
    {
        var topics = Enumerable.Range(0, 8).Select(i => new TopicReplication($"t{i}", 3)).ToArray();

        var decision = ScaleInGuard.Decide(2, WithTopics(topics));

        Assert.Contains("and 3 more", decision.Message);
    }
}
