using System.Diagnostics;
using Fjord.Chaos.Checking;
using Fjord.Chaos.Cluster;
using Fjord.Chaos.Nemesis;
using Fjord.Chaos.Network;
using Fjord.Chaos.Workload;
using Microsoft.Extensions.Logging;

namespace Fjord.Chaos;

/// <summary>
/// One chaos run from start to verdict: network lab (or not), cluster, topic, workload, nemesis until the
/// duration is over, final heal, quiesce, final read, node stop, replica comparison, history check. Owns every
/// process and namespace it creates and removes them in <see cref="Dispose"/> (also called on Ctrl-C and on
/// process exit). Not thread-safe; one run per instance.
/// </summary>
public sealed partial class ChaosRunner(ChaosOptions options, ILoggerFactory loggers) : IDisposable
{
    private const string Topic = "chaos";
    private readonly ILogger _logger = loggers.CreateLogger("chaos");
    private readonly object _disposeLock = new();
    private NetworkLab? _lab;
    private ChaosCluster? _cluster;
    private string? _workDir;
    private bool _disposed;

    /// <summary>Whether the work directory (node data and logs) is removed on dispose: only after a passing run, unless kept.</summary>
    private bool _removeWorkDir;

    public async Task<ChaosReport> RunAsync(CancellationToken cancel)
    {
        _workDir = options.WorkDir ?? Path.Combine(Path.GetTempPath(), $"fjord-chaos-{options.Seed}-{Environment.ProcessId}");
        Directory.CreateDirectory(_workDir);
        var brokerDll = options.BrokerDll ?? LocateBrokerDll();
        Log.Starting(_logger, options.Seed, options.Nodes, options.Duration.TotalSeconds, _workDir);

        if (!options.NoPartitions)
        {
            _lab = NetworkLab.TryCreate(options.Nodes, _logger, out var whyNot);
            if (_lab is null && options.RequirePartition)
                throw new InvalidOperationException($"--require-partition: network partitions are not possible here: {whyNot ?? "unknown"}");
            if (_lab is null) Log.PartitionsSkipped(_logger, whyNot ?? "unknown");
        }
        else Log.PartitionsSkipped(_logger, "--no-partitions");

        string[] settings = [$"broker.session.timeout.ms={options.SessionTimeoutMs}", "broker.heartbeat.interval.ms=500"];
        _cluster = new ChaosCluster(options.Nodes, _workDir, brokerDll, _lab, settings);
        await _cluster.StartAsync(cancel).ConfigureAwait(false);
        Func<int, CancellationToken, Task<int?>>? findCoordinator = options.Workload == ChaosWorkload.Transactions
            ? (step, c) => TransactionCoordinatorLocator.FindAsync(_cluster.Nodes, TransactionalProducerWorker.TransactionalIdOf(step / 2 % options.Producers), c)
            : null;
        var nemesis = new NemesisRunner(_cluster, _lab, options, _logger, findCoordinator);
        if (!await nemesis.WaitUntilAllBrokersRegisteredAsync(cancel).ConfigureAwait(false))
            throw new InvalidOperationException($"the cluster never registered every broker; see the node logs in {_workDir}");
        await CreateTopicAsync(cancel).ConfigureAwait(false);
        using var clientLog = new ClientLog(Path.Combine(_workDir, "clients.log"));
        var report = options.Workload == ChaosWorkload.Transactions
            ? await RunTransactionsAsync(nemesis, clientLog, cancel).ConfigureAwait(false)
            : await RunIdempotentAsync(nemesis, clientLog, cancel).ConfigureAwait(false);
        _removeWorkDir = report.Passed && !options.KeepData;
        if (!_removeWorkDir) Log.KeptWorkDir(_logger, _workDir);
        return report;
    }

    private async Task<ChaosReport> RunIdempotentAsync(NemesisRunner nemesis, ClientLog clientLog, CancellationToken cancel)
    {
        var history = new History();
        var liveness = new LivenessTracker();
        using var stopWorkload = new CancellationTokenSource();
        using var stopConsumers = new CancellationTokenSource();
        var producerWorkers = Enumerable.Range(0, options.Producers)
            .Select(i => new ProducerWorker(i, _cluster!.BootstrapServers, Topic, options.Partitions, options.RecordsPerSecondPerProducer, history, liveness, clientLog, _logger))
            .ToArray();
        var consumerWorkers = Enumerable.Range(0, options.Consumers)
            .Select(i => new ConsumerWorker(i, _cluster!.BootstrapServers, Topic, options.Partitions,
                (_, r) => history.RecordConsumed(r.Partition, r.Offset, r.Value), liveness, clientLog)).ToArray();
        liveness.Start([.. producerWorkers.Select(p => p.Client), .. consumerWorkers.Select(c => c.Client)], DateTime.UtcNow);
        var producers = producerWorkers.Select(p => p.RunAsync(stopWorkload.Token)).ToArray();
        var consumers = consumerWorkers.Select(c => c.RunAsync(stopConsumers.Token)).ToArray();
        var progress = ReportProgressAsync(() => (history.AckedCount, history.ConsumedCount, history.FailedDeliveries.Values.Sum()), nemesis, stopConsumers.Token);

        var longestStalls = await RunFaultsAsync(nemesis, liveness, () => history.AckedCount, cancel).ConfigureAwait(false);
        await HealEverythingAsync(cancel).ConfigureAwait(false);
        await stopWorkload.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(producers).ConfigureAwait(false);
        var quiesced = await WaitForFullIsrAsync(cancel).ConfigureAwait(false);
        var (finalLog, highWatermarks) = FinalLogReader.Read(_cluster!.BootstrapServers, Topic, options.Partitions, TimeSpan.FromSeconds(180));
        await stopConsumers.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(consumers).ConfigureAwait(false);
        await progress.ConfigureAwait(false);
        var divergences = StopAndCompareReplicas(highWatermarks, quiesced);

        var verdict = HistoryChecker.Check(history.Acked, history.Consumed, history.ConsumedConflicts, finalLog);
        var stalls = longestStalls.Where(st => st.Length > options.MaxStall).ToList();
        var report = new ChaosReport(history.AckedCount, history.ConsumedCount, verdict, divergences, nemesis.Counts, nemesis.Injected)
        {
            Stalls = stalls,
            FatalClientErrors = history.FatalErrors,
            Quiesced = quiesced,
            Unhealed = nemesis.Unhealed,
        };
        foreach (var fault in nemesis.Injected) Log.FaultSummary(_logger, fault.ToString());
        foreach (var (error, count) in history.FailedDeliveries.OrderByDescending(f => f.Value)) Log.FailedDeliveries(_logger, count, error);
        foreach (var fatal in history.FatalErrors) Log.ProducerFatal(_logger, fatal);
        Log.ConsumerErrors(_logger, consumerWorkers.Sum(c => c.Errors));
        Log.HighWatermarks(_logger, string.Join(' ', highWatermarks.OrderBy(h => h.Key).Select(h => $"{h.Key}:{h.Value}")));
        return report;
    }

    /// <summary>Runs the nemesis until the duration is over, then stops the liveness watch; returns each client's longest stall.</summary>
    private async Task<IReadOnlyList<Stall>> RunFaultsAsync(NemesisRunner nemesis, LivenessTracker liveness, Func<int> progressCount, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        await nemesis.RunAsync(DateTime.UtcNow + options.Duration, cancel).ConfigureAwait(false);
        var remaining = options.Duration - clock.Elapsed;
        if (remaining > TimeSpan.Zero) await Task.Delay(remaining, cancel).ConfigureAwait(false);
        var longestStalls = liveness.Stop(DateTime.UtcNow);
        Log.FaultsOver(_logger, nemesis.Counts.Total, progressCount());
        foreach (var stall in longestStalls) Log.LongestStall(_logger, stall.ToString());
        return longestStalls;
    }

    /// <summary>Reads the replica sets, stops every node and compares their logs below the final high watermarks.</summary>
    private List<ReplicaDivergence> StopAndCompareReplicas(Dictionary<int, long> highWatermarks, bool quiesced)
    {
        var replicaSets = ClusterAdmin.Partitions(_cluster!.BootstrapServers, Topic)
            ?? throw new InvalidOperationException("no metadata for the topic after healing");
        var unclean = _cluster.StopAll(TimeSpan.FromSeconds(30));
        if (unclean.Length > 0) Log.UncleanStop(_logger, string.Join(',', unclean));
        return CompareReplicas(replicaSets, highWatermarks, quiesced);
    }

    private async Task CreateTopicAsync(CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string? lastError = null;
        while (true)
        {
            var (created, error) = await ClusterAdmin.TryCreateTopicAsync(_cluster!.BootstrapServers, Topic, options.Partitions, options.ReplicationFactor, options.MinInSyncReplicas).ConfigureAwait(false);
            if (created && ClusterAdmin.Partitions(_cluster.BootstrapServers, Topic) is { } partitions
                && partitions.Count == options.Partitions && partitions.All(p => p.Leader >= 0)) return;
            lastError = error ?? lastError;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"topic {Topic} with {options.Partitions} led partitions was not created within 60 s; last error: {lastError}");
            await Task.Delay(500, cancel).ConfigureAwait(false);
        }
    }

    /// <summary>Undoes whatever fault state is left (a lane cancelled mid-fault): links up, routes gone, processes resumed or restarted.</summary>
    private async Task HealEverythingAsync(CancellationToken cancel)
    {
        _lab?.HealAll();
        foreach (var node in _cluster!.Nodes)
        {
            if (node.IsPaused) node.Resume();
            if (!node.IsRunning) await _cluster.RestartAsync(node, cancel).ConfigureAwait(false);
        }
    }

    /// <summary>Waits (bounded) until every broker is registered and every partition's ISR holds all its replicas; returns whether that happened.</summary>
    private async Task<bool> WaitForFullIsrAsync(CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var limit = TimeSpan.FromSeconds(60);
        IReadOnlyList<PartitionState>? last = null;
        while (clock.Elapsed < limit)
        {
            last = ClusterAdmin.Partitions(_cluster!.BootstrapServers, Topic);
            if (last is { } partitions && partitions.All(p => p.Leader >= 0 && p.Isr.Length == p.Replicas.Length))
            {
                Log.Quiesced(_logger, clock.Elapsed.TotalSeconds);
                return true;
            }
            await Task.Delay(1000, cancel).ConfigureAwait(false);
        }
        Log.NotQuiesced(_logger, limit.TotalSeconds, last is null ? "(no metadata)"
            : string.Join("; ", last.Select(p => $"{p.Partition}: leader {p.Leader} replicas [{string.Join(',', p.Replicas)}] isr [{string.Join(',', p.Isr)}]")));
        return false;
    }

    private List<ReplicaDivergence> CompareReplicas(IReadOnlyList<PartitionState> partitions, Dictionary<int, long> highWatermarks, bool quiesced)
    {
        var divergences = new List<ReplicaDivergence>();
        foreach (var partition in partitions)
        {
            // The final leader is the reference: it served the final read.
            var order = partition.Replicas.OrderBy(r => r == partition.Leader ? 0 : 1).ThenBy(r => r);
            var hw = highWatermarks[partition.Partition];
            var replicas = order.Select(node =>
            {
                var (batches, error) = ReplicaLogComparer.ReadBatches(Path.Combine(_cluster!.Nodes[node].DataDir, $"{Topic}-{partition.Partition}"), hw);
                return (node, batches, error);
            }).ToList();
            var found = ReplicaLogComparer.Compare(partition.Partition, replicas, hw);
            divergences.AddRange(found);
            Log.ReplicasCompared(_logger, partition.Partition, hw, replicas.Count, replicas[0].batches.Count, found.Count);
        }
        if (!quiesced && divergences.Count > 0) Log.DivergenceWithoutQuiesce(_logger);
        return divergences;
    }

    /// <summary>Logs (writes or transactions, reads, failures) every 30 s until stopped.</summary>
    private async Task ReportProgressAsync(Func<(int Written, int Read, int Failed)> counts, NemesisRunner nemesis, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(30), stop).ConfigureAwait(false);
                var (written, read, failed) = counts();
                Log.Progress(_logger, written, read, failed, nemesis.Counts.Total);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // the run is over
        }
    }

    /// <summary>src/Fjord.Broker/bin/CONFIG/net10.0/fjord-broker.dll of the repository this tool was built in, same configuration.</summary>
    private static string LocateBrokerDll()
    {
        // tools/Fjord.Chaos/bin/<Configuration>/net10.0/ -> the repository root
        var toolDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var configuration = Path.GetFileName(Path.GetDirectoryName(toolDir)!);
        var root = Path.GetFullPath(Path.Combine(toolDir, "..", "..", "..", "..", ".."));
        var dll = Path.Combine(root, "src", "Fjord.Broker", "bin", configuration, "net10.0", "fjord-broker.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"build the broker first (or pass --broker-dll): {dll} is missing");
    }

    public void Dispose()
    {
        lock (_disposeLock)
        {
            if (_disposed) return;
            _disposed = true;
            _cluster?.Dispose();
            _lab?.Dispose();
            if (_removeWorkDir && _workDir is not null && Directory.Exists(_workDir)) Directory.Delete(_workDir, recursive: true);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "chaos run: seed {Seed} (SEED={Seed} replays the fault schedule), {Nodes} nodes, {Seconds}s of faults, work dir {WorkDir}")]
        public static partial void Starting(ILogger logger, int seed, int nodes, double seconds, string workDir);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "network partitions skipped: {Reason}; faults are kill -9 and SIGSTOP only")]
        public static partial void PartitionsSkipped(ILogger logger, string reason);

        [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "faults over after {Faults} faults and {Acked} acknowledged writes; healing and quiescing")]
        public static partial void FaultsOver(ILogger logger, int faults, int acked);

        [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "quiesced: every partition has a leader and a full ISR after {Seconds:F1}s")]
        public static partial void Quiesced(ILogger logger, double seconds);

        [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "not quiesced after {Seconds}s (ISR not full; fails the run): {Partitions}")]
        public static partial void NotQuiesced(ILogger logger, double seconds, string partitions);

        [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "nodes {Nodes} did not exit cleanly on SIGTERM")]
        public static partial void UncleanStop(ILogger logger, string nodes);

        [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "fault {Line}")]
        public static partial void FaultSummary(ILogger logger, string line);

        [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "{Count} deliveries failed with {Error} (not acknowledged, so not counted as lost)")]
        public static partial void FailedDeliveries(ILogger logger, int count, string error);

        [LoggerMessage(EventId = 9, Level = LogLevel.Error, Message = "producer fatal error (fails the run): {Error}")]
        public static partial void ProducerFatal(ILogger logger, string error);

        [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "consumer errors during the run: {Count}")]
        public static partial void ConsumerErrors(ILogger logger, long count);

        [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "final high watermarks (partition:offset): {HighWatermarks}")]
        public static partial void HighWatermarks(ILogger logger, string highWatermarks);

        [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "node data and logs kept in {WorkDir}")]
        public static partial void KeptWorkDir(ILogger logger, string workDir);

        [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "partition {Partition}: {Replicas} replicas compared below high watermark {HighWatermark} ({Batches} batches), {Divergences} divergences")]
        public static partial void ReplicasCompared(ILogger logger, int partition, long highWatermark, int replicas, int batches, int divergences);

        [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "replicas differ, and the ISR never became full: a replica may be behind rather than conflicting (see the details)")]
        public static partial void DivergenceWithoutQuiesce(ILogger logger);

        [LoggerMessage(EventId = 15, Level = LogLevel.Information, Message = "progress: written={Acked} read={Consumed} failed={Failed} faults={Faults}")]
        public static partial void Progress(ILogger logger, int acked, int consumed, int failed, int faults);

        [LoggerMessage(EventId = 16, Level = LogLevel.Information, Message = "longest stall of {Stall}")]
        public static partial void LongestStall(ILogger logger, string stall);
    }
}
