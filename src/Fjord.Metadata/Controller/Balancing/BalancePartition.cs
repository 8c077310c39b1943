using System.Collections.Immutable;

namespace Fjord.Metadata.Balancing;

/// <summary>
/// One partition as the balance planner sees it: its replicas (preferred leader first; for a partition being
/// reassigned, the reassignment's target), its size in bytes (the largest replica a log dir reports, 0 when
/// unknown), whether a reassignment is already running (such partitions count where they are going but are
/// never moved again) and its current leader (-1: unknown or offline), which a lower replication factor keeps.
/// Immutable.
/// </summary>
public sealed record BalancePartition(string Topic, int Partition, ImmutableArray<int> Replicas, long SizeBytes, bool Reassigning = false, int Leader = -1);
