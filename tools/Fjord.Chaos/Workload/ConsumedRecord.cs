namespace Fjord.Chaos.Workload;

/// <summary>A record a consumer was handed during the run: partition, offset and value. Immutable.</summary>
public sealed record ConsumedRecord(int Partition, long Offset, string Value);
