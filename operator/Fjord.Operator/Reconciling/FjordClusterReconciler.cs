using System.Text.Json;
using Fjord.Operator.Crds;
using Fjord.Operator.DesiredState;
using k8s;
using k8s.Models;

namespace Fjord.Operator.Reconciling;

/// <summary>
/// The FjordCluster reconciler's pure core: observed state (informer caches + admin DescribeCluster) in, a
/// <see cref="ReconcilePlan"/> out. It is level-triggered: every call recomputes from what exists, and multi-step work
/// (rolling restarts, drains) keeps its progress in the pods, the StatefulSet and the cluster's metadata — never in
/// memory — so a restarted operator continues where the last one stopped. Thread-safe (stateless); the host serializes
/// reconciles per cluster.
/// </summary>
public static partial class FjordClusterReconciler
{
    public static readonly TimeSpan ProgressRequeue = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan SteadyRequeue = TimeSpan.FromSeconds(30);

    public static ReconcilePlan Plan(ObservedCluster observed)
    {
        var cluster = observed.Cluster;
        var desired = ClusterObjectsPlanner.Plan(cluster, observed.Capabilities);
        var actions = new List<ReconcileAction>();
        var events = new List<RecordEvent>();

        var scale = PlanScale(observed, events);
        desired.StatefulSet.Spec.Replicas = scale.StatefulSetReplicas;
        actions.AddRange(scale.Actions);

        ApplyIfChanged(actions, observed.ConfigMap, desired.ConfigMap);
        ApplyIfChanged(actions, observed.HeadlessService, desired.HeadlessService);
        ApplyIfChanged(actions, observed.BootstrapService, desired.BootstrapService);
        var statefulSetCurrent = ApplyIfChanged(actions, observed.StatefulSet, desired.StatefulSet);
        ApplyIfChanged(actions, observed.PodDisruptionBudget, desired.PodDisruptionBudget);
        if (desired.ServiceMonitor is { } monitor && !observed.ServiceMonitorExists)
        {
            actions.Add(new ApplyObject("ServiceMonitor", new ClusterNames(cluster.Metadata.Name, "").ServiceMonitor, monitor));
        }

        if (observed.Health.DynamicConfigs is { } applied && DynamicConfigChange(desired.DynamicConfigs, applied) is { } change)
        {
            actions.Add(change);
            events.Add(new RecordEvent(RecordEvent.Normal, "DynamicConfigApplied",
                $"applying {change.Set.Count + change.Delete.Count} dynamic broker config change(s) without a restart"));
        }

        var rolling = statefulSetCurrent && observed.StatefulSet is { } set
            ? RollingUpdatePlanner.Next(observed.Pods, UpdateRevision(set), scale.StatefulSetReplicas, observed.Health)
            : RollingDecision.Wait(RollingUpdatePlanner.ReasonRevisionUnknown, 0);
        if (rolling.Kind == RollingDecisionKind.Restart)
        {
            var pod = observed.Pods.Single(p => p.Ordinal == rolling.Ordinal);
            actions.Add(new DeletePod(pod.Name, pod.Ordinal, rolling.Reason));
            events.Add(new RecordEvent(RecordEvent.Normal, rolling.Reason,
                $"rolling broker {pod.Ordinal} ({pod.Name}) to the new pod template; {rolling.Outdated} pod(s) outdated"));
        }

        V1Alpha1FjordOperation? voters = null;
        if (rolling.Kind != RollingDecisionKind.Restart && scale.Operation is null)
        {
            PlanFailover(observed, scale.StatefulSetReplicas, actions, events);
            voters = PlanVoters(observed, actions, events);
        }

        var status = Status(observed, scale, rolling, voters, actions.Count > 0);
        var settled = status.Conditions!.Single(c => c.Type == ClusterConditions.Reconciling).Status == "False";
        if (!SameStatus(cluster.Status, status))
        {
            actions.Add(new UpdateClusterStatus(status));
        }
        actions.AddRange(events);
        return new ReconcilePlan(actions, settled ? SteadyRequeue : ProgressRequeue);
    }

    private static void PlanFailover(ObservedCluster observed, int replicas, List<ReconcileAction> actions, List<RecordEvent> events)
    {
        var failover = FailoverPlanner.Decide(observed.Pods, observed.Health, replicas, observed.Now);
        switch (failover.Kind)
        {
            case FailoverDecisionKind.RestartUnready:
                var pod = observed.Pods.Single(p => p.Ordinal == failover.Ordinal);
                actions.Add(new DeletePod(pod.Name, pod.Ordinal, failover.Reason));
                events.Add(new RecordEvent(RecordEvent.Warning, failover.Reason, failover.Message));
                break;
            case FailoverDecisionKind.RestorePreferredLeaders:
                actions.Add(new ElectPreferredLeaders());
                events.Add(new RecordEvent(RecordEvent.Normal, failover.Reason, failover.Message));
                break;
        }
    }

    /// <summary>The StatefulSet's update revision once its controller has observed the latest spec; null before.</summary>
    private static string? UpdateRevision(V1StatefulSet set) =>
        set.Status?.ObservedGeneration is { } seen && seen >= (set.Metadata.Generation ?? 0) ? set.Status.UpdateRevision : null;

    /// <summary>Adds an apply when the object is missing or its content changed; true when it is already current.</summary>
    private static bool ApplyIfChanged<T>(List<ReconcileAction> actions, T? observed, T desired) where T : class, IKubernetesObject<V1ObjectMeta>
    {
        DesiredObjectHash.Stamp(desired);
        if (DesiredObjectHash.Matches(observed, desired))
        {
            return true;
        }
        actions.Add(ApplyObject.Of(desired));
        return false;
    }

    private static ApplyDynamicConfigs? DynamicConfigChange(IReadOnlyDictionary<string, string> desired, IReadOnlyDictionary<string, string> applied)
    {
        var set = desired.Where(p => !applied.TryGetValue(p.Key, out var value) || value != p.Value)
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var delete = applied.Keys.Where(k => !desired.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        return set.Count == 0 && delete.Count == 0 ? null : new ApplyDynamicConfigs(set, delete);
    }

    private static bool SameStatus(V1Alpha1FjordClusterStatus? current, V1Alpha1FjordClusterStatus next) =>
        current is not null && JsonSerializer.Serialize(current) == JsonSerializer.Serialize(next);
}
