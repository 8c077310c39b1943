namespace Fjord.Broker.Replication;

/// <summary>
/// How this node replicates one partition right now, for the partition gauges: leader (with the committed
/// ISR and replica set sizes — under-replicated when the ISR is smaller), follower, or offline (the image
/// names no leader). Immutable.
/// </summary>
/// <param name="IsLeader">This node leads the partition.</param>
/// <param name="IsOffline">The partition has no leader.</param>
/// <param name="IsrSize">Members of the committed ISR (leaders only; 0 otherwise).</param>
/// <param name="ReplicaCount">Replicas of the partition (leaders only; 0 otherwise).</param>
public readonly record struct PartitionReplicaStatus(bool IsLeader, bool IsOffline, int IsrSize, int ReplicaCount);
