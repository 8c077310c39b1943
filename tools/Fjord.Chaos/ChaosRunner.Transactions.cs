using Fjord.Chaos.Checking;
using Fjord.Chaos.Nemesis;
using Fjord.Chaos.Workload;
using Microsoft.Extensions.Logging;

namespace Fjord.Chaos;

/// <summary>The transactional workload of a run (<c>--workload transactions</c>, issue #22).</summary>
public sealed partial class ChaosRunner
{
    /// <summary>
    /// Transactional producers and read_committed consumers while the faults run; then heal, stop the producers (each
    /// ends its current transaction), quiesce, read every partition read_committed once no transaction is open (an open
    /// one is aborted by the coordinator after the producers' 20 s transaction timeout, so 60 s is ample), compare the
    /// replicas and check the history.
    /// </summary>
    private async Task<ChaosReport> RunTransactionsAsync(NemesisRunner nemesis, ClientLog clientLog, CancellationToken cancel)
    {
        var history = new TransactionHistory();
        var liveness = new LivenessTracker();
        using var stopWorkload = new CancellationTokenSource();
        using var stopConsumers = new CancellationTokenSource();
        var producerWorkers = Enumerable.Range(0, options.Producers)
            .Select(i => new TransactionalProducerWorker(i, _cluster!.BootstrapServers, Topic, options.Partitions, options.RecordsPerSecondPerProducer,
                options.Seed + 1000 + i, history, liveness, clientLog, _logger))
            .ToArray();
        var consumerWorkers = Enumerable.Range(0, options.Consumers)
            .Select(i => new ConsumerWorker(i, _cluster!.BootstrapServers, Topic, options.Partitions, history.RecordConsumed, liveness, clientLog)).ToArray();
        liveness.Start([.. producerWorkers.Select(p => p.Client), .. consumerWorkers.Select(c => c.Client)], DateTime.UtcNow);
        var producers = producerWorkers.Select(p => p.RunAsync(stopWorkload.Token)).ToArray();
        var consumers = consumerWorkers.Select(c => c.RunAsync(stopConsumers.Token)).ToArray();
        var progress = ReportProgressAsync(() => (history.TransactionCount, history.ReadCount, (int)producerWorkers.Sum(p => p.FailedDeliveries)), nemesis, stopConsumers.Token);

        var longestStalls = await RunFaultsAsync(nemesis, liveness, () => history.TransactionCount, cancel).ConfigureAwait(false);
        await HealEverythingAsync(cancel).ConfigureAwait(false);
        await stopWorkload.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(producers).ConfigureAwait(false);
        var quiesced = await WaitForFullIsrAsync(cancel).ConfigureAwait(false);
        var (finalLog, highWatermarks, hanging) = TransactionalLogReader.Read(_cluster!.BootstrapServers, Topic, options.Partitions,
            TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(180));
        // Let the consumers catch up with the final read before they stop, so what they saw is judged against it.
        await stopConsumers.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(consumers).ConfigureAwait(false);
        await progress.ConfigureAwait(false);
        var divergences = StopAndCompareReplicas(highWatermarks, quiesced);

        var verdict = TransactionChecker.Check(history.Transactions, history.Reads, finalLog);
        var report = new ChaosReport(0, history.ReadCount, new HistoryVerdict([], [], [], [], []), divergences, nemesis.Counts, nemesis.Injected)
        {
            Transactions = verdict,
            Hanging = hanging,
            Reinits = history.Reinits,
            Stalls = [.. longestStalls.Where(st => st.Length > options.MaxStall)],
            Quiesced = quiesced,
            Unhealed = nemesis.Unhealed,
        };
        foreach (var fault in nemesis.Injected) Log.FaultSummary(_logger, fault.ToString());
        foreach (var unknown in history.Transactions.Where(t => t.Outcome == TransactionOutcome.Unknown).Take(20)) TxnLog.UnknownOutcome(_logger, unknown.ToString());
        TxnLog.ClientErrors(_logger, producerWorkers.Sum(p => p.FailedDeliveries), consumerWorkers.Sum(c => c.Errors));
        Log.HighWatermarks(_logger, string.Join(' ', highWatermarks.OrderBy(h => h.Key).Select(h => $"{h.Key}:{h.Value}")));
        return report;
    }

    private static partial class TxnLog
    {
        [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "commit outcome unknown: {Transaction}")]
        public static partial void UnknownOutcome(ILogger logger, string transaction);

        [LoggerMessage(EventId = 31, Level = LogLevel.Information, Message = "failed deliveries inside transactions: {Deliveries}; consumer errors: {ConsumerErrors}")]
        public static partial void ClientErrors(ILogger logger, long deliveries, long consumerErrors);
    }
}
