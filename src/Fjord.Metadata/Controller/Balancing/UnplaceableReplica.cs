namespace Fjord.Metadata.Balancing;

/// <summary>A replica that must leave a draining broker but has nowhere to go (every target broker already holds the partition). Immutable.</summary>
public sealed record UnplaceableReplica(string Topic, int Partition, int BrokerId);
