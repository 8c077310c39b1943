namespace Fjord.Operator.Reconciling;

/// <summary>
/// Failover, the operator's part of it. A broker whose process dies (pod deleted, evicted, killed) is fenced by the
/// controller after its session timeout, which moves its leaderships to in-sync replicas; a graceful deletion moves
/// them sooner by controlled shutdown (KIP-841). What the controller cannot see is a broker that still heartbeats
/// while its pod is unready (stuck disk, full GC, lost network to clients): past <see cref="Grace"/>, if it still
/// leads partitions and no other broker is down, the operator restarts it, and controlled shutdown hands its
/// leaderships to the ISR. When every broker is back and caught up (in every ISR) but leaders sit off their preferred
/// replicas, it elects the preferred leaders at once rather than waiting for the controller's periodic rebalance.
/// Pure; thread-safe.
/// </summary>
public static class FailoverPlanner
{
    /// <summary>How long a live broker's pod may stay unready before its leaderships are moved.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(60);

    public const string ReasonBrokerUnready = "BrokerUnready";
    public const string ReasonPreferredLeaders = "PreferredLeadersRestored";

    /// <param name="replicas">The brokers the cluster should have now (the StatefulSet's replicas).</param>
    public static FailoverDecision Decide(IReadOnlyList<ObservedPod> pods, ObservedClusterHealth health, int replicas, DateTimeOffset now)
    {
        if (!health.Reachable || health.ControllerId < 0)
        {
            return FailoverDecision.None;
        }
        var down = Enumerable.Range(0, replicas).Where(id => pods.FirstOrDefault(p => p.Ordinal == id) is not { Ready: true, Terminating: false }
            || health.Brokers.FirstOrDefault(b => b.Id == id) is not { Fenced: false }).ToList();
        if (down.Count == 1)
        {
            var id = down[0];
            var pod = pods.FirstOrDefault(p => p.Ordinal == id);
            var broker = health.Brokers.FirstOrDefault(b => b.Id == id);
            if (pod is { Ready: false, Terminating: false, NotReadySince: { } since } && now - since >= Grace
                && broker is { Fenced: false, InControlledShutdown: false, LeaderCount: > 0 })
            {
                return new FailoverDecision(FailoverDecisionKind.RestartUnready, id, ReasonBrokerUnready,
                    $"broker {id} ({pod.Name}) has been unready since {since:O} but still leads {broker.LeaderCount} partition(s); restarting it so controlled shutdown moves them");
            }
            return FailoverDecision.None;
        }
        if (down.Count == 0 && health.Healthy && health.PreferredLeaderImbalance > 0)
        {
            return new FailoverDecision(FailoverDecisionKind.RestorePreferredLeaders, -1, ReasonPreferredLeaders,
                $"every broker is back and in sync; moving {health.PreferredLeaderImbalance} leadership(s) back to their preferred replicas");
        }
        return FailoverDecision.None;
    }
}
