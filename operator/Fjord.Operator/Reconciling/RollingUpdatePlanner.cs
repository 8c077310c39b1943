namespace Fjord.Operator.Reconciling;

/// <summary>
/// The rolling-update state machine, pure and stateless: each call looks at the pods and the cluster's health and names
/// the one pod to restart next, or why not yet. Its state is the pods' revisions, so an operator restart resumes it.
/// Rules: one pod at a time (any pod not ready or terminating → wait); only while the cluster is healthy (no
/// under-replicated, offline or reassigning partitions, so the restarted broker is back in every ISR before the next);
/// highest ordinal first; the active controller's pod last, so the quorum moves its leadership once. Thread-safe.
/// </summary>
public static class RollingUpdatePlanner
{
    public const string ReasonPodNotReady = "WaitingForPodReady";
    public const string ReasonClusterUnhealthy = "WaitingForClusterHealth";
    public const string ReasonRevisionUnknown = "WaitingForStatefulSetRevision";

    /// <param name="pods">The broker pods that exist.</param>
    /// <param name="updateRevision">The StatefulSet's current template revision; null while its controller has not observed the latest spec.</param>
    /// <param name="replicas">Pods the StatefulSet should have; a missing one counts as not ready.</param>
    public static RollingDecision Next(IReadOnlyList<ObservedPod> pods, string? updateRevision, int replicas, ObservedClusterHealth health)
    {
        if (updateRevision is null)
        {
            return RollingDecision.Wait(ReasonRevisionUnknown, 0);
        }
        var outdated = pods.Where(p => p.Ordinal < replicas && p.Revision != updateRevision && !p.Terminating).ToList();
        if (outdated.Count == 0)
        {
            return RollingDecision.Done;
        }
        var present = pods.Count(p => p.Ordinal < replicas);
        if (present < replicas || pods.Any(p => !p.Ready || p.Terminating))
        {
            return RollingDecision.Wait(ReasonPodNotReady, outdated.Count);
        }
        if (!health.Healthy || health.Brokers.Any(b => b.Fenced || b.InControlledShutdown))
        {
            return RollingDecision.Wait(ReasonClusterUnhealthy, outdated.Count);
        }
        var next = outdated
            .OrderBy(p => p.Ordinal == health.ControllerId ? 1 : 0)
            .ThenByDescending(p => p.Ordinal)
            .First();
        return RollingDecision.Restart(next.Ordinal,
            next.Ordinal == health.ControllerId ? "RestartingActiveController" : "RestartingBroker", outdated.Count);
    }
}
