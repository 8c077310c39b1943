namespace Fjord.Metadata.Balancing;

/// <summary>What one broker hosts: replicas, preferred leaderships and bytes. Immutable.</summary>
public sealed record BrokerLoad(int BrokerId, string? Rack, int Replicas, int Leaders, long Bytes, bool Draining);
