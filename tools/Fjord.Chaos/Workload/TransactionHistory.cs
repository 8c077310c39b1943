using System.Collections.Concurrent;

namespace Fjord.Chaos.Workload;

/// <summary>
/// What the transactional workload observed: every transaction with the outcome of its commit or abort call, and,
/// per read_committed consumer, every record it was handed in the order it was handed them (re-reads included), plus
/// the producers' re-initialisations after fatal errors. Thread-safe: producer and consumer threads record
/// concurrently; the checker reads after the workload stopped.
/// </summary>
public sealed class TransactionHistory
{
    private readonly ConcurrentQueue<TransactionAttempt> _transactions = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<ConsumedRecord>> _reads = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _reinits = new();

    public void RecordTransaction(TransactionAttempt attempt) => _transactions.Enqueue(attempt);

    /// <summary>Records a read; each consumer calls from its one thread, so its queue keeps the order it read in.</summary>
    public void RecordConsumed(string consumer, ConsumedRecord record) =>
        _reads.GetOrAdd(consumer, _ => new ConcurrentQueue<ConsumedRecord>()).Enqueue(record);

    /// <summary>A producer instance hit a fatal error (fenced, timed out epoch) and was replaced by a new one on the same transactional.id.</summary>
    public void RecordReinit(string reason) => _reinits.Enqueue(reason);

    public IReadOnlyList<TransactionAttempt> Transactions => [.. _transactions];

    public int TransactionCount => _transactions.Count;

    public IReadOnlyDictionary<string, IReadOnlyList<ConsumedRecord>> Reads =>
        _reads.ToDictionary(r => r.Key, r => (IReadOnlyList<ConsumedRecord>)[.. r.Value], StringComparer.Ordinal);

    public int ReadCount => _reads.Values.Sum(r => r.Count);

    public IReadOnlyList<string> Reinits => [.. _reinits];
}
