using Fjord.KubeLocal.Node.Disruption;
using k8s.Models;
using static Fjord.KubeLocal.Node.Tests.Planners.Objects;

namespace Fjord.KubeLocal.Node.Tests.Planners;

public class PodDisruptionBudgetPlannerTests
{
    private static readonly DateTime Now = new(2026, 12, 7, 3, 0, 0, DateTimeKind.Utc);
    private static readonly Dictionary<string, string> Broker = new() { ["app"] = "broker" };

    private static V1PodDisruptionBudget Budget(string? minAvailable = null, string? maxUnavailable = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "brokers", NamespaceProperty = "ns", Generation = 2 },
        Spec = new V1PodDisruptionBudgetSpec
        {
            Selector = new V1LabelSelector { MatchLabels = Broker },
            MinAvailable = minAvailable,
            MaxUnavailable = maxUnavailable,
        },
    };

    private static List<V1Pod> Pods(int ready, int notReady) =>
    [
        .. Enumerable.Range(0, ready).Select(i => Pod($"r{i}", Broker, ready: true, "sts-uid")),
        .. Enumerable.Range(0, notReady).Select(i => Pod($"n{i}", Broker, ready: false, "sts-uid")),
        Pod("other", new Dictionary<string, string> { ["app"] = "other" }, ready: true),
    ];

    [Fact]
    public void MinAvailableCount_CountsSelectedPods()
    {
        var status = PodDisruptionBudgetPlanner.Plan(Budget(minAvailable: "2"), Pods(3, 0), new Dictionary<string, int>(), Now);

        Assert.Equal((3, 2, 3, 1), (status.CurrentHealthy, status.DesiredHealthy, status.ExpectedPods, status.DisruptionsAllowed));
        Assert.Equal(("True", "SufficientPods"), (status.Conditions.Single().Status, status.Conditions.Single().Reason));
        Assert.Equal(2, status.ObservedGeneration);
    }

    [Fact]
    public void MaxUnavailable_UsesTheControllersScale()
    {
        var status = PodDisruptionBudgetPlanner.Plan(Budget(maxUnavailable: "1"), Pods(2, 0), new Dictionary<string, int> { ["sts-uid"] = 3 }, Now);

        Assert.Equal((2, 2, 3, 0), (status.CurrentHealthy, status.DesiredHealthy, status.ExpectedPods, status.DisruptionsAllowed));
        Assert.Equal(("False", "InsufficientPods"), (status.Conditions.Single().Status, status.Conditions.Single().Reason));
    }

    [Fact]
    public void MinAvailablePercent_RoundsUp()
    {
        var status = PodDisruptionBudgetPlanner.Plan(Budget(minAvailable: "50%"), Pods(2, 1), new Dictionary<string, int> { ["sts-uid"] = 3 }, Now);

        Assert.Equal((2, 2, 3, 0), (status.CurrentHealthy, status.DesiredHealthy, status.ExpectedPods, status.DisruptionsAllowed));
    }
}
