using Fjord.Cli;
using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Text;
using Fjord.Cli.Perf;

namespace Fjord.Bench;

/// <summary>Settings of one `make bench` run.</summary>
public sealed record BenchSettings(string BrokerDll, string OutputPath, string DataRoot, double Seconds, bool Quick, bool Peers, string Command);

/// <summary>
/// Runs the side-by-side benchmark: physical limits, Fjord, Redis Streams (three durability modes)
/// and NATS JetStream, one after the other on the same machine, and writes docs/benchmarks.md.
/// Single-threaded driver; each target's server is a child process killed when its part ends.
/// </summary>
public sealed class BenchRunner(BenchSettings settings)
{
    private static readonly int[] RecordSizes = [100, 1024];
    private static readonly int[] PartitionCounts = [1, 12];

    /// <summary>The light load of the acks=all latency rows: 1 KiB records at 1,000 records/s on one partition.</summary>
    private const double LightLoadRate = 1_000;
    private const int LightLoadRecordSize = 1024;

    /// <summary>The transaction rows: 1 KiB records to one partition, committed every 100 and every 1,000 records.</summary>
    private const int TransactionRecordSize = 1024;
    private static readonly int[] RecordsPerTransaction = [100, 1_000];
    private const string TransactionsSystem = "Fjord transactions";

    /// <summary>The Fjord consume rows read by Confluent.Kafka, beside the lean consumer's "consume" rows.</summary>
    private const string DotNetClientConsume = "consume, .NET client";
    private readonly List<BenchRow> _rows = [];
    private readonly List<string> _notes = [];
    private readonly Dictionary<string, double> _limits = [];

    public async Task<int> RunAsync()
    {
        var started = Stopwatch.StartNew();
        Log("physical limits");
        _limits["loopback TCP (64 KiB writes)"] = PhysicalLimits.LoopbackTcpMegabytesPerSecond(TimeSpan.FromSeconds(3));
        _limits["disk write, no fsync (1 MiB writes, page cache)"] = PhysicalLimits.DiskWriteMegabytesPerSecond(settings.DataRoot, 1 << 20, false, 1L << 30, TimeSpan.FromSeconds(4));
        _limits["disk write, fsync every 64 KiB"] = PhysicalLimits.DiskWriteMegabytesPerSecond(settings.DataRoot, 64 << 10, true, 1L << 30, TimeSpan.FromSeconds(3));
        foreach (var (name, value) in _limits)
        {
            Log($"  {name}: {value:F0} MB/s");
        }

        await RunTargetAsync("Fjord", () => FjordTarget.OneNode(settings.BrokerDll, settings.DataRoot), backlog: !settings.Quick, transactions: true);
        await RunTargetAsync("Fjord 3 nodes", () => FjordTarget.ThreeNodes(settings.BrokerDll, settings.DataRoot), backlog: false, lightLoad: true);
        if (settings.Peers)
        {
            foreach (var mode in new[] { "no", "everysec", "always" })
            {
                await RunTargetAsync($"Redis {mode}", () => new RedisTarget(mode, settings.DataRoot), backlog: false);
            }

            await RunTargetAsync("NATS JetStream", () => new NatsTarget(settings.DataRoot), backlog: false);
        }

        var markdown = Report(started.Elapsed);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(settings.OutputPath))!);
        await File.WriteAllTextAsync(settings.OutputPath, markdown);
        Log($"wrote {settings.OutputPath} in {started.Elapsed.TotalMinutes:F1} min");
        return ExitCodes.Ok;
    }

    private async Task RunTargetAsync(string label, Func<IBenchTarget> create, bool backlog, bool lightLoad = false, bool transactions = false)
    {
        Log(label);
        IBenchTarget target;
        try
        {
            target = create();
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            _notes.Add($"{label}: not run — could not start the server ({e.Message}).");
            Log($"  skipped: {e.Message}");
            return;
        }

        using (target)
        {
            var duration = TimeSpan.FromSeconds(settings.Seconds);
            foreach (var size in RecordSizes)
            {
                double peak = 0;
                foreach (var partitions in PartitionCounts)
                {
                    try
                    {
                        var name = await target.PrepareAsync(size, partitions);
                        var produce = await MeasureAsync(target, () => target.ProduceAsync(name, size, partitions, duration, long.MaxValue));
                        Add(target, size, partitions, "produce", produce);
                        if (partitions == 1)
                        {
                            peak = produce.Result.RecordsPerSecond;
                        }

                        var consume = await MeasureAsync(target, () => target.ConsumeAsync(name, size, partitions, produce.Result.Records, TimeSpan.FromSeconds(60)));
                        Add(target, size, partitions, "consume", consume);
                        if (target is FjordTarget fjordTarget)
                        {
                            var client = await MeasureAsync(target, () => fjordTarget.ConsumeWithDotNetClientAsync(name, partitions, produce.Result.Records));
                            Add(target, size, partitions, DotNetClientConsume, client);
                        }
                    }
                    catch (Exception e)
                    {
                        _notes.Add($"{target.System} ({target.Durability}) {size} B × {partitions}: failed — {e.GetType().Name}: {e.Message}");
                        Log($"  failed: {e.Message}");
                    }
                }

                if (peak > 0)
                {
                    try
                    {
                        var name = await target.PrepareAsync(size, 1);
                        var e2e = await MeasureAsync(target, () => target.EndToEndAsync(name, size, 1, peak / 2, TimeSpan.FromSeconds(Math.Min(settings.Seconds, 5))));
                        Add(target, size, 1, $"e2e @ {peak / 2:N0}/s", e2e);
                    }
                    catch (Exception e)
                    {
                        _notes.Add($"{target.System} ({target.Durability}) e2e {size} B: failed — {e.GetType().Name}: {e.Message}");
                        Log($"  e2e failed: {e.Message}");
                    }
                }
            }

            if (lightLoad && target is FjordTarget fjord)
            {
                await RunLightLoadAsync(fjord);
            }

            if (transactions && target is FjordTarget single)
            {
                await RunTransactionsAsync(single);
            }

            if (backlog)
            {
                // Catch-up read of a 2 GB backlog of 1 KiB records (written first, then read from offset 0).
                var name = await target.PrepareAsync(1024, 1);
                var write = await MeasureAsync(target, () => target.ProduceAsync(name, 1024, 1, TimeSpan.FromSeconds(120), 2_000_000_000 / 1024));
                var read = await MeasureAsync(target, () => target.ConsumeAsync(name, 1024, 1, write.Result.Records, TimeSpan.FromSeconds(180)));
                Add(target, 1024, 1, $"consume {write.Result.Bytes / 1e9:F1} GB backlog", read);
            }
        }
    }

    /// <summary>
    /// Latency when nothing queues: 1 KiB at 1,000 records/s, send → acknowledgement and send → receive, each record its
    /// own request (linger.ms=0), as a default librdkafka or Java client writes at light load. Each row first sends one
    /// second of the same workload unmeasured (its server CPU is counted, its records are not).
    /// </summary>
    private async Task RunLightLoadAsync(FjordTarget target)
    {
        var duration = TimeSpan.FromSeconds(settings.Quick ? 5 : 10);
        try
        {
            var name = await target.PrepareAsync(LightLoadRecordSize, 1);
            CollectClientHeap();
            var produce = await MeasureAsync(target, () => target.ProduceAtRateAsync(name, LightLoadRecordSize, LightLoadRate, duration));
            Add(target, LightLoadRecordSize, 1, $"produce @ {LightLoadRate:N0}/s", produce);
            name = await target.PrepareAsync(LightLoadRecordSize, 1);
            CollectClientHeap();
            var e2e = await MeasureAsync(target, () => target.WarmEndToEndAsync(name, LightLoadRecordSize, LightLoadRate, duration));
            Add(target, LightLoadRecordSize, 1, $"e2e @ {LightLoadRate:N0}/s", e2e);
        }
        catch (Exception e)
        {
            _notes.Add($"{target.System} ({target.Durability}) light-load latency: failed — {e.GetType().Name}: {e.Message}");
            Log($"  light load failed: {e.Message}");
        }
    }

    /// <summary>
    /// The light-load rows time each record in this process (the delivery report, the consumer's receive), after the
    /// throughput rows left it gigabytes of garbage: a full, compacting collection first, so a collection of that
    /// heap does not pause the clock of a millisecond-scale measurement (as a benchmark harness does between runs).
    /// </summary>
    private static void CollectClientHeap()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }

    /// <summary>
    /// Exactly-once cost in one run: idempotent acks=all produce, then transactional produce committing every 100 and
    /// every 1,000 records, each to a fresh 1-partition topic for the same time.
    /// </summary>
    private async Task RunTransactionsAsync(FjordTarget target)
    {
        var duration = TimeSpan.FromSeconds(settings.Seconds);
        int?[] runs = [null, .. RecordsPerTransaction.Select(n => (int?)n)];
        foreach (var perTransaction in runs)
        {
            var workload = TransactionWorkload(perTransaction);
            try
            {
                var name = await target.PrepareAsync(TransactionRecordSize, 1);
                var produce = await MeasureAsync(target, () => target.ProduceExactlyOnceAsync(name, TransactionRecordSize, perTransaction, duration));
                Add(target, TransactionRecordSize, 1, workload, produce, TransactionsSystem, perTransaction is null ? "acks=all, idempotent" : "acks=all, transactional");
            }
            catch (Exception e)
            {
                _notes.Add($"{TransactionsSystem} {workload}: failed — {e.GetType().Name}: {e.Message}");
                Log($"  {workload} failed: {e.Message}");
            }
        }
    }

    private static string TransactionWorkload(int? recordsPerTransaction) =>
        recordsPerTransaction is { } n ? $"txn produce, commit every {n:N0}" : "idempotent produce";

    private static async Task<(PerfResult Result, double? CpuPerGb)> MeasureAsync(IBenchTarget target, Func<Task<PerfResult>> run)
    {
        var before = target.ServerCpuSeconds();
        var result = await run();
        var cpu = target.ServerCpuSeconds() - before;
        return (result, result.Bytes > 0 ? cpu / (result.Bytes / 1e9) : null);
    }

    private void Add(IBenchTarget target, int size, int partitions, string workload, (PerfResult Result, double? CpuPerGb) measured, string? system = null, string? durability = null)
    {
        var row = new BenchRow(system ?? target.System, durability ?? target.Durability, size, partitions, workload, measured.Result, measured.CpuPerGb);
        _rows.Add(row);
        var r = measured.Result;
        Log($"  {workload,-24} {size,5} B × {partitions,2}: {r.RecordsPerSecond,12:N0} rec/s {r.MegabytesPerSecond,8:F1} MB/s"
            + (r.P99Ms is null ? string.Empty : $"  p50 {r.P50Ms:F2} p99 {r.P99Ms:F2} p99.9 {r.P999Ms:F2} ms")
            + (measured.CpuPerGb is { } c ? $"  {c:F1} CPU s/GB" : string.Empty));
    }

    private static void Log(string line) => Console.Error.WriteLine($"[bench] {line}");

    private static string F(double? value, string format = "F1") => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    private string Report(TimeSpan elapsed)
    {
        var md = new StringBuilder();
        md.AppendLine("# Benchmarks");
        md.AppendLine();
        md.AppendLine($"Written by `make bench` ({(settings.Quick ? "**quick mode: shorter runs, no 2 GB backlog**" : "full run")}) on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC in {elapsed.TotalMinutes:F1} minutes. " +
            "Every system ran on the same machine, one after the other, driven by the same C# harness (`fjord-bench`, in `tools/Fjord.Bench`): " +
            "same record sizes, a window of in-flight requests for the peers and librdkafka's batching for Fjord, the server as a child process on loopback. " +
            "Absolute numbers on a shared 2-core VM drift from run to run; the ratios measured side by side are the figures to quote.");
        md.AppendLine();
        md.AppendLine("```sh");
        md.AppendLine("make bench            # installs redis-server and nats-server (apt), builds Release, runs everything, rewrites this file");
        md.AppendLine($"# which runs: {settings.Command}");
        md.AppendLine("```");
        md.AppendLine();
        md.AppendLine("## Machine and versions");
        md.AppendLine();
        foreach (var (k, v) in Machine())
        {
            md.AppendLine($"- {k}: {v}");
        }

        md.AppendLine();
        md.AppendLine("## Physical limits (same run)");
        md.AppendLine();
        md.AppendLine("| what | MB/s |");
        md.AppendLine("|---|---:|");
        foreach (var (name, value) in _limits)
        {
            md.AppendLine($"| {name} | {F(value, "F0")} |");
        }

        md.AppendLine();
        md.AppendLine("## Results");
        md.AppendLine();
        md.AppendLine($"Producer runs last {settings.Seconds:F0} s each as fast as the client goes (latency = send → acknowledgement); consumer runs read back what the producer " +
            "wrote, from the start (Fjord: a lean consumer, raw Fetch requests — 50 MiB per fetch, 1 MiB per partition, one connection per partition leader — that counts records from " +
            "record-batch headers without decoding them and fails unless it read exactly the records produced at contiguous offsets; Redis: XRANGE batches of 1,000 per stream; " +
            $"JetStream: a consumer per stream). The \"{DotNetClientConsume}\" rows read the same log with one Confluent.Kafka consumer assigned every partition: " +
            "a .NET application's figure, bounded by the client's per-message cost, and compared with no peer. " +
            "e2e sends at 50% of that system's own 1-partition producer peak and measures send → receive in one process (one clock). " +
            "\"Partitions\" are partitions for Fjord, stream keys for Redis and streams for JetStream. CPU is the server process's user+system time (/proc) per GB of record values moved. " +
            "Latency of a saturated producer is mostly queueing in the client and is not comparable across systems: librdkafka queues up to a million records, the peers' drivers keep 1,000 requests in flight. " +
            "Compare latency on the e2e rows, which aim below saturation; on 2 cores the producer, the consumer and the server share the CPUs, so an e2e run at 50% of a peak measured " +
            "without a consumer can still queue (p50 in the hundreds of ms marks such a run).");
        md.AppendLine();
        md.AppendLine("| system | durability | record | partitions | workload | records/s | MB/s | p50 ms | p99 ms | p99.9 ms | server CPU s/GB |");
        md.AppendLine("|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var row in _rows)
        {
            var r = row.Result;
            md.AppendLine($"| {row.System} | {row.Durability} | {row.RecordSize} B | {row.Partitions} | {row.Workload} | {r.RecordsPerSecond:N0} | {F(r.MegabytesPerSecond)} | {F(r.P50Ms, "F2")} | {F(r.P99Ms, "F2")} | {F(r.P999Ms, "F2")} | {F(row.CpuSecondsPerGb)} |");
        }

        md.AppendLine();
        md.AppendLine("\"Fjord 3 nodes\" is three fjord-broker processes on this one machine (all three metadata voters), topics with replication factor 3 and min.insync.replicas=2, " +
            "producers with acks=all: each record is written three times and crosses loopback twice more, on the same 2 cores. Its CPU column sums the three processes. " +
            "The peers were run with one replica only: Redis replication and a JetStream cluster on loopback were not set up, so there is no like-for-like replicated peer row.");
        md.AppendLine();
        AppendTransactions(md);
        md.AppendLine("## Fjord as a ratio to the peers and to the physical limit");
        md.AppendLine();
        md.AppendLine("Throughput rows: Fjord MB/s ÷ the other's MB/s (above 1: Fjord is faster). e2e rows: the other's p99 ÷ Fjord's p99 (above 1: Fjord has the lower tail latency). " +
            "The physical limit for produce is min(loopback TCP, disk write without fsync); for consume it is loopback TCP.");
        md.AppendLine();
        var peers = _rows.Where(r => !r.System.StartsWith("Fjord", StringComparison.Ordinal)).Select(r => (r.System, r.Durability)).Distinct().ToList();
        md.AppendLine("| record | partitions | workload | Fjord | " + string.Join(" | ", peers.Select(p => $"vs {p.System} ({p.Durability})")) + " | vs physical limit |");
        md.AppendLine("|---:|---:|---|---:|" + string.Concat(peers.Select(_ => "---:|")) + "---:|");
        var tcp = _limits.Values.First();
        var produceLimit = Math.Min(tcp, _limits.Values.Skip(1).First());
        foreach (var fjord in _rows.Where(r => r.System == "Fjord"))
        {
            var e2e = fjord.Workload.StartsWith("e2e", StringComparison.Ordinal);
            var cells = peers.Select(p =>
            {
                var other = _rows.FirstOrDefault(r => r.System == p.System && r.Durability == p.Durability && r.RecordSize == fjord.RecordSize && r.Partitions == fjord.Partitions
                    && (e2e ? r.Workload.StartsWith("e2e", StringComparison.Ordinal) : r.Workload == fjord.Workload));
                if (other is null)
                {
                    return "–";
                }

                return e2e
                    ? (fjord.Result.P99Ms > 0 && other.Result.P99Ms is { } op ? $"{op / fjord.Result.P99Ms.Value:F2}" : "–")
                    : (other.Result.MegabytesPerSecond > 0 ? $"{fjord.Result.MegabytesPerSecond / other.Result.MegabytesPerSecond:F2}" : "–");
            });
            var limit = e2e ? "–" : $"{fjord.Result.MegabytesPerSecond / (fjord.Workload == "produce" ? produceLimit : tcp):F2}";
            var value = e2e ? $"p99 {F(fjord.Result.P99Ms, "F2")} ms" : $"{F(fjord.Result.MegabytesPerSecond)} MB/s";
            md.AppendLine($"| {fjord.RecordSize} B | {fjord.Partitions} | {fjord.Workload} | {value} | {string.Join(" | ", cells)} | {limit} |");
        }

        md.AppendLine();
        md.AppendLine("## Against the goals of the CLI/benchmark issue");
        md.AppendLine();
        var fjord1k = _rows.FirstOrDefault(r => r.System == "Fjord" && r.RecordSize == 1024 && r.Partitions == 1 && r.Workload == "produce");
        foreach (var (system, durability) in new[] { ("Redis Streams", "appendfsync everysec"), ("NATS JetStream", "file storage, R1 (default sync)") })
        {
            var peer = _rows.FirstOrDefault(r => r.System == system && r.Durability == durability && r.RecordSize == 1024 && r.Partitions == 1 && r.Workload == "produce");
            if (fjord1k is not null && peer is not null)
            {
                var ratio = fjord1k.Result.MegabytesPerSecond / peer.Result.MegabytesPerSecond;
                md.AppendLine($"- Single node acks=1, 1 KiB, 1 partition, ahead of {system} ({durability})? {(ratio >= 1 ? "**yes**" : "**no**")}: {fjord1k.Result.MegabytesPerSecond:F1} vs {peer.Result.MegabytesPerSecond:F1} MB/s (×{ratio:F2}).");
            }
        }

        foreach (var consume in _rows.Where(r => r.System == "Fjord" && r.Workload == "consume"))
        {
            // Reads do not depend on Redis's append mode: the goal is held against the fastest of its three reads, so
            // one slow run of the peer cannot meet it.
            var redis = _rows.Where(r => r.System == "Redis Streams" && r.Workload == "consume" && r.RecordSize == consume.RecordSize && r.Partitions == consume.Partitions)
                .MaxBy(r => r.Result.MegabytesPerSecond);
            if (redis is null || redis.Result.MegabytesPerSecond <= 0)
            {
                md.AppendLine($"- Consume at least ×1.0 of Redis Streams ({consume.RecordSize} B, {consume.Partitions} partition(s))? Not measured in this run (no Redis row).");
                continue;
            }

            var ratio = consume.Result.MegabytesPerSecond / redis.Result.MegabytesPerSecond;
            md.AppendLine($"- Consume at least ×1.0 of Redis Streams (performance goal 1; {consume.RecordSize} B, {consume.Partitions} partition(s), lean consumer vs XRANGE)? {(ratio >= 1 ? "**yes**" : "**no**")}: " +
                $"{consume.Result.RecordsPerSecond:N0} vs {redis.Result.RecordsPerSecond:N0} records/s, Redis's fastest read ({redis.Durability}) (×{ratio:F2}).");
        }

        foreach (var e2eRow in _rows.Where(r => r.System == "Fjord" && r.Workload.StartsWith("e2e", StringComparison.Ordinal)))
        {
            md.AppendLine($"- p99 end-to-end latency at 50% load under 10 ms ({e2eRow.RecordSize} B)? {(e2eRow.Result.P99Ms < 10 ? "**yes**" : "**no**")}: p99 {F(e2eRow.Result.P99Ms, "F2")} ms, p99.9 {F(e2eRow.Result.P999Ms, "F2")} ms.");
        }

        foreach (var replicated in _rows.Where(r => r.System == "Fjord 3 nodes" && r.Workload == "produce"))
        {
            var single = _rows.FirstOrDefault(r => r.System == "Fjord" && r.Workload == "produce" && r.RecordSize == replicated.RecordSize && r.Partitions == replicated.Partitions);
            if (single is null || single.Result.MegabytesPerSecond <= 0)
            {
                continue;
            }

            var ratio = replicated.Result.MegabytesPerSecond / single.Result.MegabytesPerSecond;
            md.AppendLine($"- RF=3 acks=all at least half of single-node acks=1 ({replicated.RecordSize} B, {replicated.Partitions} partition(s))? {(ratio >= 0.5 ? "**yes**" : "**no**")}: " +
                $"{replicated.Result.MegabytesPerSecond:F1} vs {single.Result.MegabytesPerSecond:F1} MB/s (×{ratio:F2}).");
        }

        foreach (var light in _rows.Where(r => r.System == "Fjord 3 nodes" && r.Workload.EndsWith($"@ {LightLoadRate:N0}/s", StringComparison.Ordinal)))
        {
            var (goal, what) = light.Workload.StartsWith("produce", StringComparison.Ordinal) ? (5.0, "produce") : (10.0, "e2e");
            md.AppendLine($"- RF=3 acks=all at {LightLoadRate:N0} records/s ({light.RecordSize} B), {what} p99 under {goal:F0} ms? {(light.Result.P99Ms < goal ? "**yes**" : "**no**")}: " +
                $"p50 {F(light.Result.P50Ms, "F2")} ms, p99 {F(light.Result.P99Ms, "F2")} ms, p99.9 {F(light.Result.P999Ms, "F2")} ms.");
        }

        if (!_rows.Any(r => r.System == "Fjord 3 nodes" && r.Workload == "produce"))
        {
            md.AppendLine("- RF=3 acks=all at least half of single-node acks=1? Not measured in this run (see the notes).");
        }

        if (_notes.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("## Notes from this run");
            md.AppendLine();
            foreach (var note in _notes)
            {
                md.AppendLine($"- {note}");
            }
        }

        return md.ToString();
    }

    /// <summary>The transaction rows as a ratio to idempotent produce measured in the same run.</summary>
    private void AppendTransactions(StringBuilder md)
    {
        var baseline = _rows.FirstOrDefault(r => r.System == TransactionsSystem && r.Workload == TransactionWorkload(null));
        if (baseline is null || baseline.Result.RecordsPerSecond <= 0)
        {
            return;
        }

        md.AppendLine("## Transactions (one node)");
        md.AppendLine();
        md.AppendLine($"One Confluent.Kafka producer, {TransactionRecordSize} B records to one partition for {settings.Seconds:F0} s each, acks=all: idempotent produce (latency: send → acknowledgement " +
            "of each record) against a transactional producer that commits every N records (latency: CommitTransaction, which flushes the transaction's last records " +
            "then waits for EndTxn; the coordinator answers once PrepareCommit is in __transaction_state and writes the markers after). Ratio: transactional records/s ÷ idempotent records/s.");
        md.AppendLine();
        md.AppendLine("| workload | records/s | MB/s | latency p50 ms | latency p99 ms | ratio to idempotent |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var row in _rows.Where(r => r.System == TransactionsSystem))
        {
            var r = row.Result;
            md.AppendLine($"| {row.Workload} | {r.RecordsPerSecond:N0} | {F(r.MegabytesPerSecond)} | {F(r.P50Ms, "F2")} | {F(r.P99Ms, "F2")} | {r.RecordsPerSecond / baseline.Result.RecordsPerSecond:F2} |");
        }

        md.AppendLine();
    }

    private static IEnumerable<(string, string)> Machine()
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var mem = File.ReadLines("/proc/meminfo").First().Split(':', 2)[1].Trim();
        yield return ("CPU", $"{cpu}, {Environment.ProcessorCount} cores");
        yield return ("memory", mem);
        yield return ("kernel", File.ReadAllText("/proc/sys/kernel/osrelease").Trim());
        yield return (".NET", Environment.Version.ToString());
        yield return ("librdkafka (Confluent.Kafka 2.16.0)", Confluent.Kafka.Library.VersionString);
        yield return ("redis-server", Version("redis-server", "--version"));
        yield return ("nats-server", Version("nats-server", "--version"));
        yield return ("Fjord commit", Version("git", "rev-parse --short HEAD"));
    }

    private static string Version(string file, string args)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var text = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return text.Length == 0 ? "unknown" : text;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "not installed";
        }
    }
}
