using Fjord.Protocol.Errors;
using Fjord.Protocol.Records;
using Fjord.Storage.Transactions;

namespace Fjord.Storage;

public sealed partial class PartitionLog
{
    /// <summary>
    /// The last stable offset (LSO): the first offset of the oldest transaction that is open or whose marker
    /// is not yet below the high watermark, capped at the high watermark (Kafka's <c>UnifiedLog.lastStableOffset</c>).
    /// read_committed consumers read below it. Equals <see cref="HighWatermark"/> when no transaction is
    /// unstable. Lock-free.
    /// </summary>
    public long LastStableOffset => Math.Min(Volatile.Read(ref _firstUnstableOffset), HighWatermark);

    /// <summary>
    /// The first offset of the oldest unstable transaction (open, or its marker not yet below the high
    /// watermark), or null when there is none (Kafka's firstUnstableOffset). Lock-free.
    /// </summary>
    public long? FirstUnstableOffset => Volatile.Read(ref _firstUnstableOffset) is var first && first != long.MaxValue ? first : null;

    /// <summary>
    /// Writes a transaction marker as the partition leader (WriteTxnMarkers): a control batch (transactional +
    /// control attributes, no sequence) holding one COMMIT or ABORT control record with
    /// <paramref name="coordinatorEpoch"/>, appended through the normal leader path (offset, leader epoch,
    /// broker timestamp, high watermark as any append). The marker closes the producer's open transaction
    /// here; an ABORT adds an entry to the segment's <c>.txnindex</c>. A marker for a producer without an
    /// open transaction is written and changes only its epochs (Kafka does the same).
    /// Errors: INVALID_PRODUCER_EPOCH when <paramref name="producerEpoch"/> is below the producer's current
    /// epoch; TRANSACTION_COORDINATOR_FENCED when <paramref name="coordinatorEpoch"/> is below the one of its
    /// last marker; KAFKA_STORAGE_ERROR when offline. With <paramref name="transactionVersion"/> 2 or more
    /// (KIP-890 part 2, WriteTxnMarkers v2 field) every end of a transaction bumps the epoch, so a marker whose
    /// epoch is not above the producer's current one is INVALID_PRODUCER_EPOCH too.
    /// Thread-safe; serializes with appends.
    /// </summary>
    public LogAppendResult AppendTransactionMarker(long producerId, short producerEpoch, int coordinatorEpoch, bool commit, int leaderEpoch,
        short transactionVersion = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(producerId);
        var marker = new EndTransactionMarker(commit ? ControlRecordType.Commit : ControlRecordType.Abort, coordinatorEpoch);
        byte[] batch = marker.ToBatch(producerId, producerEpoch, _time.GetUtcNow().ToUnixTimeMilliseconds());
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (transactionVersion >= 2 && _producers.GetEntry(producerId) is { } entry && producerEpoch <= entry.ProducerEpoch)
            {
                return LogAppendResult.Failed(ErrorCode.InvalidProducerEpoch,
                    $"Epoch of producer {producerId} is {producerEpoch}, which is <= the last seen epoch {entry.ProducerEpoch} (TV{transactionVersion})", LogStartOffset);
            }
            return AppendLocked(batch, leaderEpoch, verificationGuard: null);
        }
    }

    /// <summary>
    /// The aborted transactions overlapping [<paramref name="startOffset"/>, <paramref name="upperBoundOffset"/>)
    /// — first offset below the bound, ABORT marker at or after the start — in marker order, from the
    /// <c>.txnindex</c> of the segment holding <paramref name="startOffset"/> and the following ones until an
    /// entry's last stable offset reaches the bound (Kafka's <c>collectAbortedTransactions</c>). What a
    /// read_committed Fetch returns as <c>aborted_transactions</c> for data read from startOffset up to
    /// upperBoundOffset. Lock-free; safe concurrently with appends.
    /// </summary>
    public IReadOnlyList<AbortedTransaction> CollectAbortedTransactions(long startOffset, long upperBoundOffset)
    {
        var segments = _segments;
        if (segments.Length == 0 || upperBoundOffset <= startOffset)
            return [];
        List<AbortedTransaction>? found = null;
        for (int i = FindSegment(segments, startOffset); i < segments.Length; i++)
        {
            found ??= [];
            if (segments[i].TxnIndex.Collect(startOffset, upperBoundOffset, found))
                break;
        }
        return found is null || found.Count == 0 ? [] : found;
    }

    /// <summary>
    /// The producers with state on this partition (DescribeProducers, KIP-664), by producer id: epoch, last
    /// sequence, last timestamp, coordinator epoch and the start offset of the open transaction (-1 if none).
    /// Takes the append lock.
    /// </summary>
    public IReadOnlyList<ActiveProducer> GetActiveProducers()
    {
        lock (_lock)
            return _producers.GetActiveProducers();
    }

    /// <summary>
    /// True when <paramref name="producerId"/> has an open transaction here at <paramref name="producerEpoch"/> or later:
    /// its next transactional batch continues that transaction instead of starting one, so the leader need not ask the
    /// coordinator whether this partition is part of it (KIP-890 part 1). Takes the append lock.
    /// </summary>
    public bool HasOngoingTransaction(long producerId, short producerEpoch)
    {
        lock (_lock)
        {
            return _producers.GetEntry(producerId) is { CurrentTxnFirstOffset: not null } entry && entry.ProducerEpoch >= producerEpoch;
        }
    }

    /// <summary>
    /// Starts the verification of a transactional batch of <paramref name="producerId"/> at <paramref name="producerEpoch"/>
    /// with its coordinator (KIP-890 part 1, Kafka's maybeStartTransactionVerification): the guard to hand to
    /// <see cref="Append(ReadOnlySequence{byte}, int, VerificationGuard?)"/> once the coordinator agreed. Call it before
    /// asking, so that a marker written while the question is out retires it. <paramref name="transactionVersion"/> is 2
    /// for a transaction version 2 client (<see cref="VerificationGuard.TransactionVersion"/>). Takes the append lock.
    /// </summary>
    public VerificationGuard BeginTransactionVerification(long producerId, short producerEpoch, short transactionVersion)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _producers.BeginVerification(producerId, producerEpoch, transactionVersion, _time.GetUtcNow().ToUnixTimeMilliseconds());
        }
    }

    /// <summary>How many transactions are open on this partition (for metrics). Takes the append lock.</summary>
    public int OngoingTransactionCount
    {
        get
        {
            lock (_lock)
                return _producers.OngoingTransactionCount;
        }
    }
}
