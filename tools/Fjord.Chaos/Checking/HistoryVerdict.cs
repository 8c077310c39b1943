using Fjord.Chaos.Workload;

namespace Fjord.Chaos.Checking;

/// <summary>
/// What <see cref="HistoryChecker"/> found wrong in the final log against what clients observed. Every list
/// empty means: every acknowledged record is present exactly once, at its acknowledged offset, in
/// acknowledgement order, and nothing a consumer read has changed or gone. Immutable.
/// </summary>
public sealed record HistoryVerdict(
    IReadOnlyList<AckedRecord> Lost,
    IReadOnlyList<(string Value, IReadOnlyList<(int Partition, long Offset)> Positions)> Duplicated,
    IReadOnlyList<(AckedRecord Acked, int Partition, long Offset)> Moved,
    IReadOnlyList<AckedRecord> Reordered,
    IReadOnlyList<(ConsumedRecord Consumed, string? Now)> Vanished)
{
    public bool IsClean => Lost.Count == 0 && Duplicated.Count == 0 && Moved.Count == 0 && Reordered.Count == 0 && Vanished.Count == 0;
}
