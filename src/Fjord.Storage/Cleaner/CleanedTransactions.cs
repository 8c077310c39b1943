using Fjord.Protocol.Records;
using Fjord.Storage.Transactions;

namespace Fjord.Storage.Cleaner;

/// <summary>
/// What the cleaner knows about transactions while it walks batches in offset order (Kafka's
/// <c>CleanedTransactionMetadata</c>): given the aborted transactions of the range, it says which data batches
/// belong to an aborted transaction (their records are removed) and which markers may go — an ABORT marker once
/// none of its transaction's batches is left, a COMMIT marker once none of its transaction's batches was seen
/// (the markers then still wait for their delete horizon). Aborted transactions whose marker stays are collected
/// for the cleaned segment's <c>.txnindex</c>.
/// Not thread-safe; one instance per walk of one cleaning pass.
/// </summary>
internal sealed class CleanedTransactions
{
    private readonly Queue<AbortedTransaction> _aborted;
    private readonly Dictionary<long, OngoingAborted> _ongoingAborted = [];
    private readonly HashSet<long> _ongoingCommitted = [];

    public CleanedTransactions(IReadOnlyList<AbortedTransaction> aborted)
    {
        var sorted = new List<AbortedTransaction>(aborted);
        sorted.Sort((a, b) => a.FirstOffset.CompareTo(b.FirstOffset));
        _aborted = new Queue<AbortedTransaction>(sorted);
    }

    /// <summary>The aborted transactions whose ABORT marker is kept, in marker order: the cleaned segment's index.</summary>
    public List<AbortedTransaction> RetainedIndex { get; } = [];

    /// <summary>A data batch was read: true when it belongs to an aborted transaction (all its records may be removed).</summary>
    public bool OnDataBatch(in RecordBatchHeader header)
    {
        ConsumeAbortedUpTo(header.LastOffset);
        if (!header.IsTransactional)
            return false;
        if (_ongoingAborted.TryGetValue(header.ProducerId, out var aborted))
        {
            aborted.BatchSeen = true;
            return true;
        }
        _ongoingCommitted.Add(header.ProducerId);
        return false;
    }

    /// <summary>A control batch was read: true when it may be removed once its delete horizon has passed.</summary>
    public bool OnControlBatch(ReadOnlySpan<byte> batch, in RecordBatchHeader header)
    {
        ConsumeAbortedUpTo(header.LastOffset);
        if (header.RecordCount == 0)
            return true; // emptied by an earlier cleaning
        if (!EndTransactionMarker.TryRead(batch, out var marker))
            return false;
        if (marker.Type == ControlRecordType.Abort)
        {
            if (_ongoingAborted.Remove(header.ProducerId, out var aborted) && aborted.BatchSeen)
            {
                // Retain the marker until all batches from the transaction have been removed.
                RetainedIndex.Add(aborted.Transaction);
                return false;
            }
            return true;
        }
        return !_ongoingCommitted.Remove(header.ProducerId);
    }

    private void ConsumeAbortedUpTo(long offset)
    {
        while (_aborted.TryPeek(out var next) && next.FirstOffset <= offset)
        {
            _aborted.Dequeue();
            _ongoingAborted.TryAdd(next.ProducerId, new OngoingAborted(next));
        }
    }

    private sealed class OngoingAborted(AbortedTransaction transaction)
    {
        public AbortedTransaction Transaction { get; } = transaction;

        public bool BatchSeen { get; set; }
    }
}
