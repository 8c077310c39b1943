using Fjord.Chaos.Workload;

namespace Fjord.Chaos.Checking;

/// <summary>
/// Checks the final log (what a fresh consumer reads up to each high watermark after healing) against the
/// client history: acknowledged writes must be present exactly once at the offset they were acknowledged at
/// (acks=all: that offset is committed and never rewritten), each producer instance's acknowledged records in a
/// partition must have offsets increasing in the order it produced them (the idempotent producer's promise:
/// "in the original produce order"; the order acknowledgements arrive in is not promised — librdkafka may report
/// a retried batch after the one behind it), no value may appear twice (the workload never
/// re-sends a value), and every record a consumer was handed must still be there with the same value (records
/// below the high watermark never vanish). Pure; safe from any thread.
/// </summary>
public static class HistoryChecker
{
    public static HistoryVerdict Check(
        IReadOnlyList<AckedRecord> acked,
        IReadOnlyList<ConsumedRecord> consumed,
        IReadOnlyList<(ConsumedRecord First, ConsumedRecord Second)> consumedConflicts,
        IReadOnlyDictionary<int, List<(long Offset, string Value)>> finalLog)
    {
        var positions = new Dictionary<string, List<(int Partition, long Offset)>>(StringComparer.Ordinal);
        var valueAt = new Dictionary<(int Partition, long Offset), string>();
        foreach (var (partition, records) in finalLog)
        {
            foreach (var (offset, value) in records)
            {
                valueAt[(partition, offset)] = value;
                if (!positions.TryGetValue(value, out var list)) positions[value] = list = [];
                list.Add((partition, offset));
            }
        }

        var lost = new List<AckedRecord>();
        var moved = new List<(AckedRecord, int, long)>();
        foreach (var record in acked)
        {
            if (!positions.TryGetValue(record.Value, out var at)) lost.Add(record);
            else if (!at.Contains((record.Partition, record.Offset))) moved.Add((record, at[0].Partition, at[0].Offset));
        }

        var duplicated = positions.Where(p => p.Value.Count > 1)
            .Select(p => (p.Key, (IReadOnlyList<(int, long)>)p.Value))
            .OrderBy(d => d.Item2[0])
            .ToList();

        var reordered = new List<AckedRecord>();
        foreach (var stream in acked.GroupBy(a => (a.Session, a.Partition)))
        {
            var highest = long.MinValue;
            foreach (var record in stream.OrderBy(a => a.ProduceIndex))
            {
                if (record.Offset <= highest) reordered.Add(record);
                highest = Math.Max(highest, record.Offset);
            }
        }

        var vanished = new List<(ConsumedRecord, string?)>();
        foreach (var record in consumed)
        {
            var now = valueAt.GetValueOrDefault((record.Partition, record.Offset));
            if (!string.Equals(now, record.Value, StringComparison.Ordinal)) vanished.Add((record, now));
        }
        // A position that handed consumers two different values has lost one of them. The first value is already
        // judged above (it is what `consumed` holds); the second is judged here.
        foreach (var (first, second) in consumedConflicts)
        {
            var now = valueAt.GetValueOrDefault((first.Partition, first.Offset));
            if (!string.Equals(now, second.Value, StringComparison.Ordinal)) vanished.Add((second, now));
        }

        return new HistoryVerdict(lost, duplicated, moved, reordered, [.. vanished.OrderBy(v => (v.Item1.Partition, v.Item1.Offset))]);
    }
}
