namespace Fjord.Storage;

/// <summary>
/// The idempotence and transaction state of one producer id on one partition (Kafka's <c>ProducerStateEntry</c>):
/// its current epoch, its last <see cref="MaxCachedBatches"/> batches, oldest first, the epoch of the
/// transaction coordinator that wrote its last marker, and the first offset of its open transaction. Not thread-safe;
/// owned by a <see cref="ProducerStateManager"/>.
/// </summary>
public sealed class ProducerStateEntry
{
    /// <summary>Kafka keeps the last 5 batches: a producer has at most 5 requests in flight (max.in.flight.requests.per.connection).</summary>
    public const int MaxCachedBatches = 5;

    private readonly BatchMetadata[] _batches = new BatchMetadata[MaxCachedBatches];
    private int _start;

    internal ProducerStateEntry(long producerId, short producerEpoch)
    {
        ProducerId = producerId;
        ProducerEpoch = producerEpoch;
    }

    public long ProducerId { get; }

    public short ProducerEpoch { get; internal set; }

    /// <summary>
    /// The coordinator epoch of the last transaction marker written for this producer; -1 before any. A marker
    /// from a lower coordinator epoch is TRANSACTION_COORDINATOR_FENCED (a zombie coordinator).
    /// </summary>
    public int CoordinatorEpoch { get; internal set; } = -1;

    /// <summary>The offset of the first batch of this producer's ongoing transaction on this partition; null when none is open.</summary>
    public long? CurrentTxnFirstOffset { get; internal set; }

    /// <summary>How many recent batches are remembered (0..5).</summary>
    public int BatchCount { get; private set; }

    /// <summary>The most recent batch's max timestamp (for producer-id expiration).</summary>
    public long LastTimestamp { get; internal set; } = -1;

    /// <summary>The i-th remembered batch, oldest first.</summary>
    public BatchMetadata GetBatch(int index) => _batches[(_start + index) % MaxCachedBatches];

    public BatchMetadata? LastBatch => BatchCount == 0 ? null : GetBatch(BatchCount - 1);

    public int LastSequence => BatchCount == 0 ? -1 : GetBatch(BatchCount - 1).LastSequence;

    public long LastOffset => BatchCount == 0 ? -1 : GetBatch(BatchCount - 1).LastOffset;

    /// <summary>The remembered batch with exactly this sequence range, if any (Kafka's findDuplicateBatch).</summary>
    public BatchMetadata? FindBatch(int firstSequence, int lastSequence)
    {
        for (int i = 0; i < BatchCount; i++)
        {
            var b = GetBatch(i);
            if (b.FirstSequence == firstSequence && b.LastSequence == lastSequence)
                return b;
        }
        return null;
    }

    internal void AddBatch(BatchMetadata batch)
    {
        if (BatchCount == MaxCachedBatches)
        {
            _batches[_start] = batch;
            _start = (_start + 1) % MaxCachedBatches;
        }
        else
        {
            _batches[(_start + BatchCount) % MaxCachedBatches] = batch;
            BatchCount++;
        }
        if (batch.Timestamp > LastTimestamp)
            LastTimestamp = batch.Timestamp;
    }

    internal void ClearBatches()
    {
        _start = 0;
        BatchCount = 0;
    }
}
