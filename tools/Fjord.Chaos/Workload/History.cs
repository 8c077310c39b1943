using System.Collections.Concurrent;

namespace Fjord.Chaos.Workload;

/// <summary>
/// Everything the clients observed during the run: acknowledged writes in acknowledgement order, every distinct
/// (partition, offset) a consumer read with its value (a second, different value at the same position is kept
/// as a conflict), failed deliveries by error and producer fatal errors. Thread-safe: producer delivery handlers
/// and consumer loops record concurrently; the checker reads after the workload stopped.
/// </summary>
public sealed class History
{
    private readonly object _ackLock = new();
    private readonly List<AckedRecord> _acked = [];
    private readonly ConcurrentDictionary<(int Partition, long Offset), string> _consumed = new();
    private readonly ConcurrentQueue<(ConsumedRecord First, ConsumedRecord Second)> _consumedConflicts = new();
    private readonly ConcurrentDictionary<string, int> _failedDeliveries = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _fatalErrors = new();
    private long _ackSequence;

    public void RecordAck(string value, int partition, long offset, string session, long produceIndex)
    {
        lock (_ackLock) _acked.Add(new AckedRecord(value, partition, offset, session, produceIndex, _ackSequence++, DateTime.UtcNow));
    }

    public void RecordFailedDelivery(string error) => _failedDeliveries.AddOrUpdate(error, 1, (_, n) => n + 1);

    public void RecordFatal(string error) => _fatalErrors.Enqueue(error);

    public void RecordConsumed(int partition, long offset, string value)
    {
        var seen = _consumed.GetOrAdd((partition, offset), value);
        if (!string.Equals(seen, value, StringComparison.Ordinal))
            _consumedConflicts.Enqueue((new ConsumedRecord(partition, offset, seen), new ConsumedRecord(partition, offset, value)));
    }

    public IReadOnlyList<AckedRecord> Acked
    {
        get
        {
            lock (_ackLock) return [.. _acked];
        }
    }

    public int AckedCount
    {
        get
        {
            lock (_ackLock) return _acked.Count;
        }
    }

    public int ConsumedCount => _consumed.Count;

    public IReadOnlyList<ConsumedRecord> Consumed => [.. _consumed.Select(p => new ConsumedRecord(p.Key.Partition, p.Key.Offset, p.Value))];

    /// <summary>Positions where consumers were handed two different values during the run.</summary>
    public IReadOnlyList<(ConsumedRecord First, ConsumedRecord Second)> ConsumedConflicts => [.. _consumedConflicts];

    public IReadOnlyDictionary<string, int> FailedDeliveries => new Dictionary<string, int>(_failedDeliveries, StringComparer.Ordinal);

    public IReadOnlyList<string> FatalErrors => [.. _fatalErrors];
}
