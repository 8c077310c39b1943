using Fjord.KubeLocal.Node.Workloads;
using k8s.Models;

namespace Fjord.KubeLocal.Node.Disruption;

/// <summary>
/// The disruption controller's status computation (<c>disruption.go</c>): <c>expectedPods</c> is the scale of the
/// pods' controllers (or the pod count when minAvailable is an integer), <c>desiredHealthy</c> follows minAvailable
/// or maxUnavailable (percentages round up), <c>currentHealthy</c> counts Ready pods not being deleted, and
/// <c>disruptionsAllowed</c> is their difference, with the <c>DisruptionAllowed</c> condition. kube-local has no
/// eviction API, so <c>disruptedPods</c> stays empty. Pure; any thread.
/// </summary>
internal static class PodDisruptionBudgetPlanner
{
    /// <param name="pods">Pods in the budget's namespace.</param>
    /// <param name="controllerReplicas">spec.replicas of workload controllers by UID (StatefulSets, ReplicaSets).</param>
    public static V1PodDisruptionBudgetStatus Plan(V1PodDisruptionBudget budget, IEnumerable<V1Pod> pods, IReadOnlyDictionary<string, int> controllerReplicas, DateTime now)
    {
        var selected = pods.Where(p => LabelSelectorMatch.Matches(budget.Spec.Selector, p.Metadata.Labels)).ToList();
        var healthy = selected.Count(p => !PodState.IsTerminating(p) && PodState.IsReady(p));
        var spec = budget.Spec;
        int expected, desired;
        if (spec.MaxUnavailable is { Value.Length: > 0 })
        {
            expected = ExpectedFromControllers(selected, controllerReplicas);
            desired = Math.Max(0, expected - IntOrPercent.Resolve(spec.MaxUnavailable, expected, roundUp: true, fallback: 0));
        }
        else if (spec.MinAvailable is { Value: { } min } && min.EndsWith('%'))
        {
            expected = ExpectedFromControllers(selected, controllerReplicas);
            desired = IntOrPercent.Resolve(spec.MinAvailable, expected, roundUp: true, fallback: 0);
        }
        else
        {
            expected = selected.Count(p => !PodState.IsTerminating(p));
            desired = IntOrPercent.Resolve(spec.MinAvailable, expected, roundUp: true, fallback: 1);
        }
        var allowed = Math.Max(0, healthy - desired);
        var previous = budget.Status?.Conditions?.FirstOrDefault(c => c.Type == "DisruptionAllowed");
        var conditionStatus = allowed > 0 ? "True" : "False";
        return new V1PodDisruptionBudgetStatus
        {
            ObservedGeneration = budget.Metadata.Generation,
            CurrentHealthy = healthy,
            DesiredHealthy = desired,
            ExpectedPods = expected,
            DisruptionsAllowed = allowed,
            DisruptedPods = budget.Status?.DisruptedPods,
            Conditions =
            [
                new V1Condition
                {
                    Type = "DisruptionAllowed",
                    Status = conditionStatus,
                    Reason = allowed > 0 ? "SufficientPods" : "InsufficientPods",
                    Message = "",
                    ObservedGeneration = budget.Metadata.Generation,
                    LastTransitionTime = previous?.Status == conditionStatus ? previous.LastTransitionTime : now,
                },
            ],
        };
    }

    /// <summary>Sum of the controllers' scale; a pod without a known controller counts as one.</summary>
    private static int ExpectedFromControllers(IEnumerable<V1Pod> pods, IReadOnlyDictionary<string, int> controllerReplicas)
    {
        var seen = new HashSet<string>();
        var expected = 0;
        foreach (var pod in pods)
        {
            var owner = PodState.ControllerOf(pod);
            if (owner is not null && controllerReplicas.TryGetValue(owner.Uid, out var replicas))
            {
                if (seen.Add(owner.Uid))
                {
                    expected += replicas;
                }
            }
            else if (!PodState.IsTerminating(pod))
            {
                expected++;
            }
        }
        return expected;
    }
}
