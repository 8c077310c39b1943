namespace Fjord.Broker.Replication;

/// <summary>
/// KIP-392's rack-aware replica selection (Kafka's RackAwareReplicaSelector), the pure part of
/// <c>replica.selector.class=org.apache.kafka.common.replica.RackAwareReplicaSelector</c>: a consumer that names its
/// rack reads from the leader when the leader is in that rack, else from the most caught-up candidate in that rack
/// (largest log end offset, then most recently caught up, then the larger broker id, Kafka's ReplicaView order),
/// else from the leader. Which followers are candidates at all (in the ISR, alive, holding the fetch offset) is
/// decided by the caller (<see cref="ReplicaManager.PreferredReadReplica"/>). Stateless; thread-safe.
/// </summary>
public static class RackAwareReplicaSelector
{
    /// <summary>The broker a consumer in <paramref name="clientRack"/> should fetch from: the leader's id or a candidate's.</summary>
    public static int Select(string? clientRack, ReplicaView leader, IReadOnlyList<ReplicaView> candidates)
    {
        if (string.IsNullOrEmpty(clientRack) || leader.Rack == clientRack) return leader.BrokerId;
        ReplicaView? best = null;
        foreach (var candidate in candidates)
        {
            if (candidate.Rack == clientRack && (best is not { } current || MoreCaughtUp(candidate, current))) best = candidate;
        }
        return best?.BrokerId ?? leader.BrokerId;
    }

    private static bool MoreCaughtUp(ReplicaView a, ReplicaView b) =>
        a.LogEndOffset != b.LogEndOffset ? a.LogEndOffset > b.LogEndOffset
        : a.SinceLastCaughtUp != b.SinceLastCaughtUp ? a.SinceLastCaughtUp < b.SinceLastCaughtUp
        : a.BrokerId > b.BrokerId;
}
