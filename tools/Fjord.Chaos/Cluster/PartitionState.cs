namespace Fjord.Chaos.Cluster;

/// <summary>One partition as Metadata reports it: leader (-1 when none), replicas and ISR. Immutable.</summary>
public sealed record PartitionState(int Partition, int Leader, int[] Replicas, int[] Isr);
