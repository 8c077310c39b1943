using System.Buffers.Binary;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Records;
using Fjord.Storage.Transactions;

namespace Fjord.Storage;

/// <summary>
/// Idempotent-producer state of one partition (Kafka's <c>ProducerStateManager</c>): per producer id
/// the epoch and the last 5 batches, used to reject gaps and fenced epochs and to answer retried
/// batches with their original offsets instead of writing them twice.
/// <para>
/// Semantics, following Kafka 2.5+ (<c>ProducerAppendInfo.checkSequence</c>):
/// a batch whose epoch and sequence range equal a remembered batch is a duplicate (answered with the
/// original offsets, not written); an epoch below the current one is INVALID_PRODUCER_EPOCH (what
/// Kafka 2.7+ answers on produce; PRODUCER_FENCED is for transactional APIs); a higher epoch must start
/// at sequence 0; within an epoch the first sequence must follow the last one (wrapping from
/// int.MaxValue to 0), else OUT_OF_ORDER_SEQUENCE_NUMBER. A producer id with no state is accepted at
/// any sequence: since KIP-360 a producer whose state was removed by retention, DeleteRecords or
/// expiration continues where it was instead of getting UNKNOWN_PRODUCER_ID (which Kafka brokers no
/// longer return on produce).
/// </para>
/// <para>
/// Transactions (Kafka's <c>ProducerAppendInfo.appendDataBatch</c> / <c>appendEndTxnMarker</c>): a transactional
/// data batch opens a transaction at its base offset unless one is open; a COMMIT or ABORT marker closes it.
/// A marker whose producer epoch is below the current one is INVALID_PRODUCER_EPOCH (what Kafka 2.7+ answers
/// WriteTxnMarkers), one whose coordinator epoch is below the stored one TRANSACTION_COORDINATOR_FENCED; a
/// non-transactional batch while a transaction is open is INVALID_TXN_STATE. A completed transaction stays
/// unstable until its marker is below the high watermark (Kafka's unreplicated transactions), so
/// <see cref="FirstUnstableOffset"/> never lets read_committed consumers past a marker a new leader may lack.
/// Replays (followers, loading) apply the same transitions without the checks.
/// </para>
/// Not thread-safe: owned by a <see cref="PartitionLog"/> and used under its append lock.
/// </summary>
public sealed class ProducerStateManager
{
    private const int SnapshotVersionV1 = 1;

    // Version 2 adds per producer the coordinator epoch, the open transaction's first offset and the last timestamp.
    private const int SnapshotVersion = 2;

    private const sbyte NoMarker = -1;

    private readonly Dictionary<long, ProducerStateEntry> _producers = [];
    private readonly List<PendingBatch> _pending = [];

    // Ongoing transactions by first offset (value: producer id); unreplicated ones by marker offset, in append order.
    private readonly SortedList<long, long> _ongoing = [];
    private readonly List<(long FirstOffset, long LastOffset)> _unreplicated = [];
    private readonly List<CompletedTransaction> _completed = [];

    // KIP-890 part 1: the guard of the verification in flight per producer id, until a marker, an epoch bump or the start of its transaction retires it.
    private readonly Dictionary<long, VerificationGuard> _verificationGuards = [];

    /// <summary>How many producer ids have state.</summary>
    public int ProducerCount => _producers.Count;

    /// <summary>The state of <paramref name="producerId"/>, or null.</summary>
    public ProducerStateEntry? GetEntry(long producerId) => _producers.GetValueOrDefault(producerId);

    /// <summary>All producer ids with state (cold path: snapshots, diagnostics).</summary>
    public IReadOnlyCollection<ProducerStateEntry> Entries => _producers.Values;

    /// <summary>
    /// The first offset of the oldest transaction that is open, or completed with its marker not yet below the
    /// high watermark (Kafka's firstUnstableOffset); <see cref="long.MaxValue"/> when there is none.
    /// </summary>
    public long FirstUnstableOffset
    {
        get
        {
            long first = _ongoing.Count > 0 ? _ongoing.Keys[0] : long.MaxValue;
            foreach (var (firstOffset, _) in _unreplicated)
                first = Math.Min(first, firstOffset);
            return first;
        }
    }

    /// <summary>How many transactions are open.</summary>
    public int OngoingTransactionCount => _ongoing.Count;

    /// <summary>The transactions the last <see cref="CommitAppend"/> completed, in marker order (cleared by <see cref="BeginAppend"/>).</summary>
    internal IReadOnlyList<CompletedTransaction> CompletedTransactions => _completed;

    /// <summary>
    /// The guard for a verification of <paramref name="producerId"/> at <paramref name="producerEpoch"/> that starts now
    /// (Kafka's maybeCreateVerificationStateEntry): the one in flight when it is for the same epoch, else a new one. A
    /// verification for an epoch below the guard in flight gets <see cref="VerificationGuard.Unverified"/>: its batch is fenced anyway.
    /// </summary>
    internal VerificationGuard BeginVerification(long producerId, short producerEpoch, short transactionVersion, long nowMs)
    {
        if (_verificationGuards.TryGetValue(producerId, out var current))
        {
            if (current.ProducerEpoch == producerEpoch && current.TransactionVersion == transactionVersion)
                return current;
            if (current.ProducerEpoch > producerEpoch)
                return VerificationGuard.Unverified;
        }
        var guard = new VerificationGuard(producerId, producerEpoch, transactionVersion, nowMs);
        _verificationGuards[producerId] = guard;
        return guard;
    }

    /// <summary>The guard in flight for <paramref name="producerId"/>, or null (tests and diagnostics).</summary>
    internal VerificationGuard? CurrentVerificationGuard(long producerId) => _verificationGuards.GetValueOrDefault(producerId);

    /// <summary>Starts checking the batches of one append; nothing changes until <see cref="CommitAppend"/>.</summary>
    internal void BeginAppend()
    {
        _pending.Clear();
        if (_completed.Count > 0)
            _completed.Clear();
    }

    /// <summary>
    /// Checks one idempotent batch (ProducerId ≥ 0) of the append being built, against the committed state
    /// and the earlier batches of the same append. <paramref name="baseOffset"/> is the offset the batch
    /// will get. Returns <see cref="ErrorCode.None"/> and remembers it as pending, or an error with a
    /// message, or None with <paramref name="duplicate"/> set when it is a retry of a stored batch.
    /// <paramref name="marker"/> is the transaction marker of a control batch (null for data, or a control
    /// batch that holds none). <paramref name="verificationGuard"/>, when not null, is the guard the leader verified this
    /// append with: a transactional batch that would open a transaction is refused (INVALID_TXN_STATE) unless it is
    /// still the producer's current guard.
    /// </summary>
    internal ErrorCode CheckAndAddPending(in RecordBatchHeader header, long baseOffset, long timestamp, EndTransactionMarker? marker,
        VerificationGuard? verificationGuard, out BatchMetadata? duplicate, out string? message)
    {
        duplicate = null;
        message = null;
        long producerId = header.ProducerId;
        short epoch = header.ProducerEpoch;
        int firstSeq = header.BaseSequence;
        int lastSeq = header.LastSequence;
        var entry = _producers.GetValueOrDefault(producerId);

        // Control batches (transaction markers) carry no sequence; they only move the epoch.
        bool hasSequence = firstSeq != RecordBatchHeader.NoSequence && !header.IsControl;

        // Kafka's analyzeAndValidateProducerState: only the committed entry can hold a duplicate.
        if (hasSequence && entry is not null && entry.ProducerEpoch == epoch && entry.FindBatch(firstSeq, lastSeq) is { } dup)
        {
            duplicate = dup;
            return ErrorCode.None;
        }

        bool known = false;
        short currentEpoch = 0;
        int currentLastSeq = -1;
        long txnFirstOffset = -1;
        int coordinatorEpoch = -1;
        for (int i = _pending.Count - 1; i >= 0; i--)
        {
            if (_pending[i].ProducerId == producerId)
            {
                known = true;
                currentEpoch = _pending[i].Epoch;
                currentLastSeq = _pending[i].LastSequence;
                txnFirstOffset = _pending[i].TxnFirstOffsetAfter;
                coordinatorEpoch = _pending[i].CoordinatorEpochAfter;
                break;
            }
        }
        if (!known && entry is not null)
        {
            known = true;
            currentEpoch = entry.ProducerEpoch;
            currentLastSeq = entry.LastSequence;
            txnFirstOffset = entry.CurrentTxnFirstOffset ?? -1;
            coordinatorEpoch = entry.CoordinatorEpoch;
        }

        if (known)
        {
            if (epoch < currentEpoch)
            {
                message = $"Epoch of producer {producerId} is {epoch}, which is smaller than the last seen epoch {currentEpoch}";
                return ErrorCode.InvalidProducerEpoch;
            }
            if (hasSequence)
            {
                if (epoch != currentEpoch)
                {
                    if (firstSeq != 0)
                    {
                        message = $"Invalid sequence number for new epoch of producer {producerId}: {epoch} (request epoch), {firstSeq} (seq. number), {currentEpoch} (current producer epoch)";
                        return ErrorCode.OutOfOrderSequenceNumber;
                    }
                }
                else if (!InSequence(currentLastSeq, firstSeq))
                {
                    message = $"Out of order sequence number for producer {producerId}: {firstSeq} (incoming seq. number), {currentLastSeq} (current end sequence number)";
                    return ErrorCode.OutOfOrderSequenceNumber;
                }
            }
        }

        if (marker is { } m && coordinatorEpoch > m.CoordinatorEpoch)
        {
            message = $"Transaction marker for producer {producerId} has coordinator epoch {m.CoordinatorEpoch}, which is smaller than the last seen coordinator epoch {coordinatorEpoch}";
            return ErrorCode.TransactionCoordinatorFenced;
        }
        if (!header.IsControl && !header.IsTransactional && txnFirstOffset >= 0)
        {
            message = $"Expected transactional write from producer {producerId} at offset {baseOffset}: its transaction started at offset {txnFirstOffset} is open";
            return ErrorCode.InvalidTxnState;
        }
        if (verificationGuard is not null && header.IsTransactional && !header.IsControl && txnFirstOffset < 0
            && !ReferenceEquals(verificationGuard, _verificationGuards.GetValueOrDefault(producerId)))
        {
            // Kafka's batchMissingRequiredVerification: a marker or a newer epoch landed after the coordinator was asked.
            message = $"Transactional batch of producer {producerId} at epoch {epoch} would start a transaction, but its verification is no longer current (a transaction marker or a newer epoch was written since)";
            return ErrorCode.InvalidTxnState;
        }

        var pending = ToPending(header, baseOffset, timestamp, marker);
        if (!hasSequence)
        {
            // A marker keeps the sequence the producer is at (a later batch of this append follows it), unless it bumps the epoch.
            pending.LastSequence = known && epoch == currentEpoch ? currentLastSeq : -1;
        }
        (pending.TxnFirstOffsetAfter, pending.CoordinatorEpochAfter) = NextTxnState(pending, txnFirstOffset, coordinatorEpoch);
        _pending.Add(pending);
        return ErrorCode.None;
    }

    /// <summary>Applies the pending batches of the append that was just written; completed transactions go to <see cref="CompletedTransactions"/>.</summary>
    internal void CommitAppend()
    {
        foreach (var p in _pending)
        {
            if (Apply(p) is { } completed)
                _completed.Add(completed);
        }
        _pending.Clear();
    }

    /// <summary>
    /// Updates state from a batch already in the log, without checks (loading and follower appends).
    /// <paramref name="marker"/> is the marker of a control batch. Returns the transaction the batch completed, if any.
    /// </summary>
    internal CompletedTransaction? Replay(in RecordBatchHeader header, EndTransactionMarker? marker)
    {
        if (header.ProducerId < 0)
            return null;
        return Apply(ToPending(header, header.BaseOffset, header.MaxTimestamp, marker));
    }

    /// <summary>Updates state from a data batch already in the log, without checks.</summary>
    public void Replay(in RecordBatchHeader header) => Replay(header, null);

    /// <summary>Completed transactions whose marker is now below the high watermark become stable (Kafka's onHighWatermarkUpdated).</summary>
    public void OnHighWatermarkUpdated(long highWatermark)
    {
        if (_unreplicated.Count == 0)
            return;
        int stable = 0;
        while (stable < _unreplicated.Count && _unreplicated[stable].LastOffset < highWatermark)
            stable++;
        _unreplicated.RemoveRange(0, stable);
    }

    /// <summary>
    /// Forgets producers all of whose batches are below the new log start offset, with their open transactions,
    /// and completed transactions whose marker is below it (Kafka's onLogStartOffsetIncremented).
    /// </summary>
    public void TruncateHead(long logStartOffset)
    {
        List<long>? remove = null;
        foreach (var (id, entry) in _producers)
        {
            if (entry.BatchCount > 0 && entry.LastOffset < logStartOffset)
                (remove ??= []).Add(id);
        }
        if (remove is not null)
        {
            foreach (long id in remove)
                RemoveProducer(id);
        }
        OnHighWatermarkUpdated(logStartOffset);
    }

    /// <summary>Drops every producer and transaction (before a rebuild from the log).</summary>
    public void Clear()
    {
        _producers.Clear();
        _ongoing.Clear();
        _unreplicated.Clear();
        _pending.Clear();
        _verificationGuards.Clear();
    }

    /// <summary>Every producer with state, for DescribeProducers (cold path).</summary>
    public List<ActiveProducer> GetActiveProducers()
    {
        var list = new List<ActiveProducer>(_producers.Count);
        foreach (var e in _producers.Values)
            list.Add(new ActiveProducer(e.ProducerId, e.ProducerEpoch, e.LastSequence, e.LastTimestamp, e.CoordinatorEpoch, e.CurrentTxnFirstOffset ?? -1));
        list.Sort((a, b) => a.ProducerId.CompareTo(b.ProducerId));
        return list;
    }

    /// <summary>
    /// Removes producers whose last batch is older than <paramref name="expirationMs"/>
    /// (<c>producer.id.expiration.ms</c>, Kafka's default one day). Returns how many were removed.
    /// </summary>
    public int RemoveExpired(long nowMs, long expirationMs)
    {
        // Kafka drops verification state as old as an expired producer too: its append never came.
        List<long>? staleGuards = null;
        foreach (var (id, guard) in _verificationGuards)
        {
            if (nowMs - guard.StartedMs >= expirationMs)
                (staleGuards ??= []).Add(id);
        }
        if (staleGuards is not null)
        {
            foreach (long id in staleGuards)
                _verificationGuards.Remove(id);
        }

        List<long>? remove = null;
        foreach (var (id, entry) in _producers)
        {
            // Kafka's isProducerExpired: a producer with an open transaction never expires.
            if (entry.CurrentTxnFirstOffset is null && entry.LastTimestamp >= 0 && nowMs - entry.LastTimestamp >= expirationMs)
                (remove ??= []).Add(id);
        }
        if (remove is null)
            return 0;
        foreach (long id in remove)
            _producers.Remove(id);
        return remove.Count;
    }

    /// <summary>
    /// Serializes the state (Fjord's own layout, version 2: version, count, per producer id, epoch, coordinator
    /// epoch, open transaction's first offset or -1, last timestamp, batch count and batches, then a CRC-32C
    /// of everything before it) for a <c>.snapshot</c> file.
    /// </summary>
    public byte[] WriteSnapshot()
    {
        int size = 8;
        foreach (var e in _producers.Values)
            size += ProducerHeaderSize(SnapshotVersion) + e.BatchCount * BatchSize;
        size += 4;
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span, SnapshotVersion);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], _producers.Count);
        int pos = 8;
        foreach (var e in _producers.Values)
        {
            BinaryPrimitives.WriteInt64BigEndian(span[pos..], e.ProducerId);
            BinaryPrimitives.WriteInt16BigEndian(span[(pos + 8)..], e.ProducerEpoch);
            BinaryPrimitives.WriteInt32BigEndian(span[(pos + 10)..], e.CoordinatorEpoch);
            BinaryPrimitives.WriteInt64BigEndian(span[(pos + 14)..], e.CurrentTxnFirstOffset ?? -1);
            BinaryPrimitives.WriteInt64BigEndian(span[(pos + 22)..], e.LastTimestamp);
            BinaryPrimitives.WriteInt32BigEndian(span[(pos + 30)..], e.BatchCount);
            pos += ProducerHeaderSize(SnapshotVersion);
            for (int i = 0; i < e.BatchCount; i++)
            {
                var b = e.GetBatch(i);
                BinaryPrimitives.WriteInt32BigEndian(span[pos..], b.FirstSequence);
                BinaryPrimitives.WriteInt32BigEndian(span[(pos + 4)..], b.LastSequence);
                BinaryPrimitives.WriteInt64BigEndian(span[(pos + 8)..], b.FirstOffset);
                BinaryPrimitives.WriteInt64BigEndian(span[(pos + 16)..], b.LastOffset);
                BinaryPrimitives.WriteInt64BigEndian(span[(pos + 24)..], b.Timestamp);
                pos += BatchSize;
            }
        }
        BinaryPrimitives.WriteUInt32BigEndian(span[pos..], Crc32C.Compute(span[..pos]));
        return bytes;
    }

    /// <summary>
    /// Replaces the state with a snapshot (version 1, written before transactions, or 2); false (state cleared)
    /// when the bytes are not a valid snapshot. Open transactions are restored from version 2.
    /// </summary>
    public bool TryLoadSnapshot(ReadOnlySpan<byte> bytes)
    {
        Clear();
        try
        {
            if (bytes.Length < 12)
                return false;
            int version = BinaryPrimitives.ReadInt32BigEndian(bytes);
            if (version is not (SnapshotVersionV1 or SnapshotVersion))
                return false;
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(bytes[^4..]);
            if (Crc32C.Compute(bytes[..^4]) != crc)
                return false;
            int count = BinaryPrimitives.ReadInt32BigEndian(bytes[4..]);
            int pos = 8;
            for (int i = 0; i < count; i++)
            {
                long id = BinaryPrimitives.ReadInt64BigEndian(bytes[pos..]);
                short epoch = BinaryPrimitives.ReadInt16BigEndian(bytes[(pos + 8)..]);
                var entry = new ProducerStateEntry(id, epoch);
                int batches;
                long lastTimestamp = -1;
                if (version == SnapshotVersionV1)
                {
                    batches = BinaryPrimitives.ReadInt32BigEndian(bytes[(pos + 10)..]);
                }
                else
                {
                    entry.CoordinatorEpoch = BinaryPrimitives.ReadInt32BigEndian(bytes[(pos + 10)..]);
                    long txnFirstOffset = BinaryPrimitives.ReadInt64BigEndian(bytes[(pos + 14)..]);
                    lastTimestamp = BinaryPrimitives.ReadInt64BigEndian(bytes[(pos + 22)..]);
                    batches = BinaryPrimitives.ReadInt32BigEndian(bytes[(pos + 30)..]);
                    if (txnFirstOffset >= 0)
                    {
                        entry.CurrentTxnFirstOffset = txnFirstOffset;
                        _ongoing[txnFirstOffset] = id;
                    }
                }
                pos += ProducerHeaderSize(version);
                if (batches is < 0 or > ProducerStateEntry.MaxCachedBatches)
                    return Fail();
                for (int j = 0; j < batches; j++)
                {
                    entry.AddBatch(new BatchMetadata(
                        BinaryPrimitives.ReadInt32BigEndian(bytes[pos..]),
                        BinaryPrimitives.ReadInt32BigEndian(bytes[(pos + 4)..]),
                        BinaryPrimitives.ReadInt64BigEndian(bytes[(pos + 8)..]),
                        BinaryPrimitives.ReadInt64BigEndian(bytes[(pos + 16)..]),
                        BinaryPrimitives.ReadInt64BigEndian(bytes[(pos + 24)..])));
                    pos += BatchSize;
                }
                if (lastTimestamp > entry.LastTimestamp)
                    entry.LastTimestamp = lastTimestamp;
                _producers[id] = entry;
            }
            return pos == bytes.Length - 4 || Fail();
        }
        catch (ArgumentOutOfRangeException)
        {
            // A count that runs past the end: the CRC matched bytes we did not write. Treat as corrupt.
            return Fail();
        }
    }

    private const int BatchSize = 4 + 4 + 8 + 8 + 8;

    private static int ProducerHeaderSize(int version) => version == SnapshotVersionV1 ? 8 + 2 + 4 : 8 + 2 + 4 + 8 + 8 + 4;

    private bool Fail()
    {
        Clear();
        return false;
    }

    // Kafka's inSequence: the next sequence follows the last one, wrapping at int.MaxValue.
    private static bool InSequence(int lastSeq, int nextSeq) =>
        nextSeq == (long)lastSeq + 1 || (nextSeq == 0 && lastSeq == int.MaxValue);

    private static PendingBatch ToPending(in RecordBatchHeader header, long baseOffset, long timestamp, EndTransactionMarker? marker)
    {
        bool hasSequence = header.BaseSequence != RecordBatchHeader.NoSequence && !header.IsControl;
        return new PendingBatch
        {
            ProducerId = header.ProducerId,
            Epoch = header.ProducerEpoch,
            HasSequence = hasSequence,
            FirstSequence = header.BaseSequence,
            LastSequence = hasSequence ? header.LastSequence : header.BaseSequence,
            FirstOffset = baseOffset,
            LastOffset = baseOffset + header.LastOffsetDelta,
            Timestamp = timestamp,
            IsTransactionalData = header.IsTransactional && !header.IsControl,
            Marker = marker is { } m ? (sbyte)m.Type : NoMarker,
            MarkerCoordinatorEpoch = marker?.CoordinatorEpoch ?? -1,
        };
    }

    // The producer's open transaction and coordinator epoch after p, given those before it.
    private static (long TxnFirstOffset, int CoordinatorEpoch) NextTxnState(in PendingBatch p, long txnFirstOffset, int coordinatorEpoch)
    {
        if (p.Marker != NoMarker)
            return (-1, p.MarkerCoordinatorEpoch);
        if (p.IsTransactionalData && txnFirstOffset < 0)
            return (p.FirstOffset, coordinatorEpoch);
        return (txnFirstOffset, coordinatorEpoch);
    }

    private void RemoveProducer(long producerId)
    {
        if (_producers.Remove(producerId, out var entry) && entry.CurrentTxnFirstOffset is long first)
            _ongoing.Remove(first);
    }

    private CompletedTransaction? Apply(in PendingBatch p)
    {
        if (!_producers.TryGetValue(p.ProducerId, out var entry))
        {
            entry = new ProducerStateEntry(p.ProducerId, p.Epoch);
            _producers[p.ProducerId] = entry;
        }
        else if (entry.ProducerEpoch != p.Epoch)
        {
            // A new epoch starts a new sequence space: the old batches can no longer be duplicates.
            entry.ClearBatches();
            entry.ProducerEpoch = p.Epoch;
        }
        RetireVerificationGuard(p);
        if (p.HasSequence)
            entry.AddBatch(new BatchMetadata(p.FirstSequence, p.LastSequence, p.FirstOffset, p.LastOffset, p.Timestamp));
        else if (p.Timestamp > entry.LastTimestamp)
            entry.LastTimestamp = p.Timestamp;

        if (p.Marker != NoMarker)
        {
            entry.CoordinatorEpoch = p.MarkerCoordinatorEpoch;
            if (entry.CurrentTxnFirstOffset is not long first)
                return null; // Kafka: a marker of a transaction without data here changes nothing else.
            entry.CurrentTxnFirstOffset = null;
            // Kafka's lastStableOffset(completedTxn): the first other transaction still open, else just past the marker.
            long lastStable = p.FirstOffset + 1;
            for (int i = 0; i < _ongoing.Count; i++)
            {
                if (_ongoing.Values[i] != p.ProducerId)
                {
                    lastStable = _ongoing.Keys[i];
                    break;
                }
            }
            _ongoing.Remove(first);
            _unreplicated.Add((first, p.FirstOffset));
            return new CompletedTransaction(p.ProducerId, first, p.FirstOffset, p.Marker == (sbyte)ControlRecordType.Abort, lastStable);
        }
        if (p.IsTransactionalData && entry.CurrentTxnFirstOffset is null)
        {
            entry.CurrentTxnFirstOffset = p.FirstOffset;
            _ongoing[p.FirstOffset] = p.ProducerId;
        }
        return null;
    }

    /// <summary>
    /// A marker that may have ended the verified transaction, a newer epoch, or the start of the producer's transaction
    /// here (the guard has done its work) retire the guard in flight.
    /// </summary>
    private void RetireVerificationGuard(in PendingBatch p)
    {
        if (!_verificationGuards.TryGetValue(p.ProducerId, out var guard))
            return;
        var retired = p.Marker != NoMarker ? guard.IsRetiredByMarker(p.Epoch)
            : p.Epoch > guard.ProducerEpoch || p.IsTransactionalData;
        if (retired)
            _verificationGuards.Remove(p.ProducerId);
    }

    private struct PendingBatch
    {
        public long ProducerId;
        public short Epoch;
        public bool HasSequence;
        public int FirstSequence;
        public int LastSequence;
        public long FirstOffset;
        public long LastOffset;
        public long Timestamp;
        public bool IsTransactionalData;
        public sbyte Marker;
        public int MarkerCoordinatorEpoch;
        public long TxnFirstOffsetAfter;
        public int CoordinatorEpochAfter;
    }
}
