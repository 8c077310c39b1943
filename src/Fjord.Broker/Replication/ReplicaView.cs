namespace Fjord.Broker.Replication;

/// <summary>
/// One replica of a partition as its leader sees it when choosing where a consumer should read (KIP-392, Kafka's
/// ReplicaView): the broker, that broker's rack (null when it has none), the replica's log end offset and how long
/// ago it was last caught up with the leader (zero for the leader itself). Immutable.
/// </summary>
public readonly record struct ReplicaView(int BrokerId, string? Rack, long LogEndOffset, TimeSpan SinceLastCaughtUp);
