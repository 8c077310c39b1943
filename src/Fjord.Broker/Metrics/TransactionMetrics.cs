using Fjord.Broker.Transactions;
using Fjord.Coordinator.Transactions;

namespace Fjord.Broker.Metrics;

/// <summary>
/// The transaction coordinator's counters (Kafka's transaction-coordinator-metrics): transactions this node completed
/// by outcome, and marker writes to partition leaders that failed; and, as a partition leader, the KIP-890 verifications
/// waiting for a coordinator (Kafka's AddPartitionsToTxnManager metrics). The coordinator keeps plain counters, so
/// Fjord.Coordinator stays free of a metrics library; these observable counters read them at scrape time.
/// Thread-safe: the callbacks run on the scrape thread and read with Volatile.
/// </summary>
public sealed class TransactionMetrics
{
    public TransactionMetrics(BrokerMetrics metrics, TransactionCoordinatorService coordinator, TransactionVerifier verifier)
    {
        var meter = metrics.Meter;
        meter.CreateObservableCounter("fjord_transactions_committed", () => coordinator.TransactionsCommitted, unit: "{transaction}",
            description: "Transactions this node coordinated to a CompleteCommit record: every COMMIT marker written.");
        meter.CreateObservableCounter("fjord_transactions_aborted", () => coordinator.TransactionsAborted, unit: "{transaction}",
            description: "Transactions this node coordinated to a CompleteAbort record: client aborts, timed-out transactions and fenced producers.");
        meter.CreateObservableCounter("fjord_transaction_marker_write_failures", () => coordinator.MarkerWriteFailures, unit: "{marker}",
            description: "COMMIT/ABORT marker writes a partition leader refused or that failed in transit (each is retried, dropped for a deleted partition, or stopped when fenced).");
        meter.CreateObservableGauge("fjord_transaction_marker_writes_in_flight", () => coordinator.MarkerWritesInFlight, unit: "{transaction}",
            description: "Transactions whose markers are still being written (Kafka's TransactionMarkerChannelManager queue).");
        meter.CreateObservableGauge("fjord_transaction_verifications_in_flight", () => verifier.InFlight, unit: "{request}",
            description: "Transactional batches this leader is verifying with (or, for transactions version 2, adding through) their coordinator, before the append.");
    }
}
