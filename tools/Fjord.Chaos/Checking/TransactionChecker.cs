using Fjord.Chaos.Workload;

namespace Fjord.Chaos.Checking;

/// <summary>
/// The Jepsen-style check of a transactional run (issue #22): the producers' history of transactions and outcomes,
/// what each read_committed consumer was handed in order, and the final read_committed read of every partition after
/// healing (to the last stable offset, which equals the high watermark once no transaction is open). See
/// <see cref="TransactionVerdict"/> for the anomalies. Pure; safe from any thread.
/// </summary>
public static class TransactionChecker
{
    public const string FinalReader = "final read";

    public static TransactionVerdict Check(
        IReadOnlyList<TransactionAttempt> transactions,
        IReadOnlyDictionary<string, IReadOnlyList<ConsumedRecord>> reads,
        IReadOnlyDictionary<int, List<(long Offset, string Value)>> finalLog)
    {
        var byId = new Dictionary<string, TransactionAttempt>(StringComparer.Ordinal);
        foreach (var attempt in transactions) byId[attempt.TransactionId] = attempt;

        var abortedReads = new List<(string, ConsumedRecord, TransactionAttempt)>();
        var foreign = new List<ConsumedRecord>();
        var reordered = new List<(int, ConsumedRecord, ConsumedRecord)>();
        var positions = new Dictionary<string, List<(int, long)>>(StringComparer.Ordinal);
        var visible = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        var valueAt = new Dictionary<(int, long), string>();
        var records = 0;
        foreach (var (partition, log) in finalLog.OrderBy(p => p.Key))
        {
            // Per producer, the last record seen in this partition: its (transaction, index) must keep growing.
            var last = new Dictionary<int, (TransactionalValue Value, ConsumedRecord Record)>();
            foreach (var (offset, value) in log)
            {
                records++;
                var record = new ConsumedRecord(partition, offset, value);
                valueAt[(partition, offset)] = value;
                if (!positions.TryGetValue(value, out var at)) positions[value] = at = [];
                at.Add((partition, offset));
                if (!TransactionalValue.TryParse(value, out var parsed) || !byId.TryGetValue(parsed.TransactionId, out var attempt) || parsed.Count != attempt.Count)
                {
                    foreign.Add(record);
                    continue;
                }
                if (attempt.MustBeInvisible) abortedReads.Add((FinalReader, record, attempt));
                if (!visible.TryGetValue(attempt.TransactionId, out var indexes)) visible[attempt.TransactionId] = indexes = [];
                indexes.Add(parsed.Index);
                if (last.TryGetValue(parsed.Producer, out var previous)
                    && (previous.Value.Transaction, previous.Value.Index).CompareTo((parsed.Transaction, parsed.Index)) >= 0)
                    reordered.Add((partition, previous.Record, record));
                last[parsed.Producer] = (parsed, record);
            }
        }

        var intermediate = new List<(TransactionAttempt, int)>();
        var lost = new List<TransactionAttempt>();
        var unknownPartial = new List<(TransactionAttempt, int)>();
        foreach (var attempt in transactions)
        {
            var seen = visible.TryGetValue(attempt.TransactionId, out var indexes) ? indexes.Count : 0;
            if (attempt.MustBeVisible && seen == 0) lost.Add(attempt);
            else if (attempt.MustBeVisible && seen < attempt.Count) intermediate.Add((attempt, seen));
            else if (attempt.Outcome == TransactionOutcome.Unknown && seen > 0 && seen < attempt.Count) unknownPartial.Add((attempt, seen));
        }

        var duplicated = positions.Where(p => p.Value.Count > 1)
            .Select(p => (p.Key, (IReadOnlyList<(int, long)>)p.Value))
            .OrderBy(d => d.Item2[0])
            .ToList();

        // G1c-lite: per producer and partition, the transactions that committed there, in the producer's order (a
        // producer runs one transaction at a time, so a lower number committed before a higher one began).
        var committedIn = transactions.Where(t => t.MustBeVisible)
            .SelectMany(t => t.Partitions.Distinct().Select(p => (t.Producer, Partition: p, t.Transaction)))
            .GroupBy(x => (x.Producer, x.Partition))
            .ToDictionary(g => g.Key, g => g.Select(x => x.Transaction).Order().ToArray());
        var skipped = new List<(string, int, string, string)>();
        var vanished = new List<(string, ConsumedRecord, string?)>();
        foreach (var (consumer, consumed) in reads.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var seenIn = new HashSet<(int Partition, int Producer, long Transaction)>();
            var checkedUpTo = new Dictionary<(int Producer, int Partition), int>();
            foreach (var record in consumed)
            {
                records++;
                var now = valueAt.GetValueOrDefault((record.Partition, record.Offset));
                if (!string.Equals(now, record.Value, StringComparison.Ordinal)) vanished.Add((consumer, record, now));
                if (!TransactionalValue.TryParse(record.Value, out var parsed) || !byId.TryGetValue(parsed.TransactionId, out var attempt)) continue;
                if (attempt.MustBeInvisible) abortedReads.Add((consumer, record, attempt));
                seenIn.Add((record.Partition, parsed.Producer, parsed.Transaction));
                if (!committedIn.TryGetValue((parsed.Producer, record.Partition), out var earlier)) continue;
                // Walk the producer's committed transactions in this partition below this one, each judged once.
                var next = checkedUpTo.GetValueOrDefault((parsed.Producer, record.Partition));
                for (; next < earlier.Length && earlier[next] < parsed.Transaction; next++)
                {
                    if (!seenIn.Contains((record.Partition, parsed.Producer, earlier[next])))
                        skipped.Add((consumer, record.Partition, parsed.TransactionId, TransactionalValue.TransactionIdOf(parsed.Producer, earlier[next])));
                }
                checkedUpTo[(parsed.Producer, record.Partition)] = next;
            }
        }

        return new TransactionVerdict
        {
            Committed = transactions.Count(t => t.Outcome == TransactionOutcome.Committed),
            Aborted = transactions.Count(t => t.Outcome == TransactionOutcome.Aborted),
            Unknown = transactions.Count(t => t.Outcome == TransactionOutcome.Unknown),
            Fenced = transactions.Count(t => t.Fenced),
            RecordsChecked = records,
            ZombieCommits = [.. transactions.Where(t => t.Fenced && t.Result == TransactionCallResult.Ok)],
            AbortedReads = abortedReads,
            IntermediateReads = intermediate,
            LostCommits = lost,
            UnknownPartial = unknownPartial,
            Duplicated = duplicated,
            Reordered = reordered,
            SkippedPredecessors = skipped,
            Vanished = vanished,
            Foreign = foreign,
        };
    }
}
