using System.Globalization;
using System.Text;
using Fjord.Chaos.Checking;
using Fjord.Chaos.Nemesis;
using Fjord.Chaos.Workload;

namespace Fjord.Chaos;

/// <summary>
/// The verdict of a run: the counts of the final line, the details behind each non-zero count (first few
/// of each, with partitions and offsets) and the exit code. Immutable once built.
/// </summary>
public sealed record ChaosReport(int Acked, int Consumed, HistoryVerdict Verdict, IReadOnlyList<ReplicaDivergence> Divergences, FaultCounts Faults,
    IReadOnlyList<InjectedFault> Injected)
{
    private const int ShownPerKind = 10;

    /// <summary>Clients that made no progress for longer than <c>--max-stall</c> while the faults ran (liveness; fails the run).</summary>
    public IReadOnlyList<Stall> Stalls { get; init; } = [];

    /// <summary>Partitions with at least one replica that differs below the high watermark.</summary>
    public int Divergent => Divergences.Select(d => d.Partition).Distinct().Count();

    /// <summary>
    /// Fatal errors of the idempotent producers (each producer was replaced and went on, but an idempotent
    /// producer turns fatal only on a broker bug such as an out-of-order sequence; fails the run).
    /// </summary>
    public IReadOnlyList<string> FatalClientErrors { get; init; } = [];

    /// <summary>Whether every partition had a leader and a full ISR again after the final heal (false fails the run).</summary>
    public bool Quiesced { get; init; } = true;

    /// <summary>
    /// Faults not injected because the cluster had not healed from the previous one (not every broker registered
    /// after an explicit retry of the wait); the run stops injecting and fails, since the next fault would have been
    /// a second concurrent failure the single-failure promise does not cover.
    /// </summary>
    public IReadOnlyList<string> Unhealed { get; init; } = [];

    /// <summary>The transactional workload's verdict; null for the idempotent workload.</summary>
    public TransactionVerdict? Transactions { get; init; }

    /// <summary>Partitions whose last stable offset stayed below the high watermark after every producer stopped (a transaction left open; fails the run).</summary>
    public IReadOnlyList<string> Hanging { get; init; } = [];

    /// <summary>Transactional producer instances replaced after a fatal error (informational: fencing after a coordinator timeout is legitimate).</summary>
    public IReadOnlyList<string> Reinits { get; init; } = [];

    public bool Passed => Verdict.IsClean && (Transactions?.IsClean ?? true) && Hanging.Count == 0 && Divergent == 0 && Stalls.Count == 0 && FatalClientErrors.Count == 0 && Quiesced && Unhealed.Count == 0;

    /// <summary>
    /// 0 when nothing acknowledged was lost, duplicated, moved or reordered, nothing consumed vanished, no replica
    /// diverged, no client stalled or hit a fatal error, the cluster quiesced after the final heal and every fault
    /// was injected on a healed cluster; 1 otherwise.
    /// </summary>
    public int ExitCode => Passed ? 0 : 1;

    /// <summary>The last line a run prints; the integration test and people grep it.</summary>
    public string FinalLine => Transactions is { } txns
        ? string.Create(CultureInfo.InvariantCulture,
            $"{txns.Counts} hanging={Hanging.Count} divergent={Divergent} faults={Faults.Total} (kill={Faults.Kills} pause={Faults.Pauses} partition={Faults.Partitions} coordinator={Faults.CoordinatorFaults})")
        : string.Create(CultureInfo.InvariantCulture,
        $"acked={Acked} consumed={Consumed} lost={Verdict.Lost.Count} duplicated={Verdict.Duplicated.Count} divergent={Divergent} faults={Faults.Total} (kill={Faults.Kills} pause={Faults.Pauses} partition={Faults.Partitions})");

    /// <summary>The checks that are not on the final line but also fail a run.</summary>
    public string DetailLine => string.Create(CultureInfo.InvariantCulture,
        $"moved={Verdict.Moved.Count} reordered={Verdict.Reordered.Count} vanished={Verdict.Vanished.Count} stalled={Stalls.Count} fatal={FatalClientErrors.Count} quiesced={(Quiesced ? "yes" : "no")} unhealed={Unhealed.Count}{(Transactions is null ? "" : $" reinits={Reinits.Count}")}");

    /// <summary>What went wrong, partition by partition, for the post-mortem; empty when the run passed.</summary>
    public string Details()
    {
        var text = new StringBuilder();
        Section(text, "lost (acknowledged, absent from the final log)", Verdict.Lost,
            l => $"partition {l.Partition} offset {l.Offset} value {l.Value} acked {l.AckedAtUtc:HH:mm:ss.fff}");
        if (Verdict.Lost.Count > 0)
        {
            foreach (var group in Verdict.Lost.GroupBy(l => (l.Partition, Window: FaultWindow(l.AckedAtUtc))).OrderBy(g => g.Key.Partition).ThenBy(g => g.Min(l => l.Offset)))
                text.AppendLine(CultureInfo.InvariantCulture, $"  lost in partition {group.Key.Partition}: {group.Count()} records at offsets {Ranges(group.Select(l => l.Offset))}, acknowledged {group.Key.Window}");
        }
        Section(text, "duplicated (one value at several positions)", Verdict.Duplicated,
            d => $"{d.Value} at {string.Join(", ", d.Positions.Select(p => $"{p.Partition}/{p.Offset}"))}");
        Section(text, "moved (acknowledged at one offset, found at another)", Verdict.Moved,
            m => $"{m.Acked.Value} acked at {m.Acked.Partition}/{m.Acked.Offset}, found at {m.Partition}/{m.Offset}");
        Section(text, "reordered (a producer's acknowledged records in a partition, in the order it produced them, with non-increasing offsets)", Verdict.Reordered,
            r => $"{r.Value} ({r.Session}) at {r.Partition}/{r.Offset}");
        Section(text, "vanished (a consumer read it; the final log holds something else)", Verdict.Vanished,
            v => $"partition {v.Consumed.Partition} offset {v.Consumed.Offset}: consumed {v.Consumed.Value}, now {v.Now ?? "(nothing)"}");
        if (Transactions is { } txns) TransactionSections(text, txns);
        Section(text, "hanging (a transaction still open after every producer stopped)", Hanging, h => h);
        Section(text, "divergent replicas (below the high watermark)", Divergences, d => d.ToString());
        Section(text, "stalled (no progress for longer than --max-stall while the faults ran)", Stalls, st => $"{st}, from {FaultWindow(st.FromUtc)}");
        Section(text, "fatal client errors (an idempotent producer fenced itself)", FatalClientErrors, e => e);
        if (!Quiesced) text.AppendLine("not quiesced: the ISR of some partition never became full again after the final heal");
        Section(text, "unhealed (the cluster had not recovered from the previous fault; faults stopped)", Unhealed, u => u);
        return text.ToString();
    }

    private void TransactionSections(StringBuilder text, TransactionVerdict txns)
    {
        Section(text, "aborted reads (G1a: a read_committed reader was handed a record of a transaction that never committed)", txns.AbortedReads,
            a => $"{a.Reader}: {a.Record.Partition}/{a.Record.Offset} {a.Record.Value} of {a.Transaction}, {FaultWindow(a.Transaction.EndedUtc)}");
        Section(text, "intermediate (G1b: an acknowledged commit only partly in the final read)", txns.IntermediateReads,
            i => $"{i.Transaction}: {i.Visible} of {i.Transaction.Count} records visible, {FaultWindow(i.Transaction.EndedUtc)}");
        Section(text, "lost commits (acknowledged, none of the records in the final read)", txns.LostCommits, l => $"{l}, {FaultWindow(l.EndedUtc)}");
        Section(text, "unknown commits partly visible", txns.UnknownPartial,
            u => $"{u.Transaction}: {u.Visible} of {u.Transaction.Count} records visible, {FaultWindow(u.Transaction.EndedUtc)}");
        Section(text, "duplicated (one value at several positions)", txns.Duplicated,
            d => $"{d.Value} at {string.Join(", ", d.Positions.Select(p => $"{p.Partition}/{p.Offset}"))}");
        Section(text, "reordered (a producer's records in a partition out of transaction or index order)", txns.Reordered,
            r => $"partition {r.Partition}: {r.Earlier.Value} at {r.Earlier.Offset} before {r.Later.Value} at {r.Later.Offset}");
        Section(text, "skipped earlier transactions (G1c-lite: a later transaction read in a partition without the earlier committed one)", txns.SkippedPredecessors,
            s => $"{s.Consumer}, partition {s.Partition}: read {s.Later} without {s.Missing}");
        Section(text, "vanished (a consumer read it; the final read holds something else)", txns.Vanished,
            v => $"{v.Consumer}: {v.Record.Partition}/{v.Record.Offset} {v.Record.Value}, now {v.Now ?? "(nothing)"}");
        Section(text, "zombie commits (a producer fenced by its successor's InitTransactions committed anyway)", txns.ZombieCommits, z => $"{z}, {FaultWindow(z.EndedUtc)}");
        Section(text, "foreign (values no recorded transaction wrote)", txns.Foreign, f => $"{f.Partition}/{f.Offset} {f.Value}");
        Section(text, "transactional producers replaced after a fatal error", Reinits, r => r);
    }

    /// <summary>Where an acknowledgement falls among the faults: during one, or between two (the later one is the first that could have lost it).</summary>
    internal string FaultWindow(DateTime ackedAtUtc)
    {
        var during = Injected.FirstOrDefault(f => f.StartedUtc <= ackedAtUtc && ackedAtUtc <= f.HealedUtc);
        if (during is not null) return $"during fault {during}";
        var next = Injected.FirstOrDefault(f => f.StartedUtc > ackedAtUtc);
        var previous = Injected.LastOrDefault(f => f.HealedUtc < ackedAtUtc);
        return (previous, next) switch
        {
            (null, null) => "with no fault injected",
            (null, { } n) => $"before the first fault ({n})",
            ({ } p, null) => $"after the last fault ({p})",
            ({ } p, { } n) => $"between fault {p} and fault {n}",
        };
    }

    private static void Section<T>(StringBuilder text, string title, IReadOnlyList<T> items, Func<T, string> show)
    {
        if (items.Count == 0) return;
        text.AppendLine(CultureInfo.InvariantCulture, $"{title}: {items.Count}");
        foreach (var item in items.Take(ShownPerKind)) text.AppendLine("  " + show(item));
        if (items.Count > ShownPerKind) text.AppendLine(CultureInfo.InvariantCulture, $"  ... and {items.Count - ShownPerKind} more");
    }

    /// <summary>Offsets as compact ranges: 3-7,9,12-15.</summary>
    internal static string Ranges(IEnumerable<long> offsets)
    {
        var parts = new List<string>();
        long? start = null, end = null;
        foreach (var offset in offsets.Order())
        {
            if (end is { } e && offset == e + 1)
            {
                end = offset;
                continue;
            }
            if (start is { } s) parts.Add(s == end ? $"{s}" : $"{s}-{end}");
            start = end = offset;
        }
        if (start is { } last) parts.Add(last == end ? $"{last}" : $"{last}-{end}");
        return string.Join(',', parts);
    }
}
