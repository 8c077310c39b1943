using System.Buffers.Binary;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Records;

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
/// Not thread-safe: owned by a <see cref="PartitionLog"/> and used under its append lock.
/// </summary>
public sealed class ProducerStateManager
{
    private const int SnapshotVersion = 1;

    private readonly Dictionary<long, ProducerStateEntry> _producers = [];
    private readonly List<PendingBatch> _pending = [];

    /// <summary>How many producer ids have state.</summary>
    public int ProducerCount => _producers.Count;

    /// <summary>The state of <paramref name="producerId"/>, or null.</summary>
    public ProducerStateEntry? GetEntry(long producerId) => _producers.GetValueOrDefault(producerId);

    /// <summary>All producer ids with state (cold path: snapshots, diagnostics).</summary>
    public IReadOnlyCollection<ProducerStateEntry> Entries => _producers.Values;

    /// <summary>Starts checking the batches of one append; nothing changes until <see cref="CommitAppend"/>.</summary>
    internal void BeginAppend() => _pending.Clear();

    /// <summary>
    /// Checks one idempotent batch (ProducerId ≥ 0) of the append being built, against the committed state
    /// and the earlier batches of the same append. <paramref name="baseOffset"/> is the offset the batch
    /// will get. Returns <see cref="ErrorCode.None"/> and remembers it as pending, or an error with a
    /// message, or None with <paramref name="duplicate"/> set when it is a retry of a stored batch.
    /// </summary>
    internal ErrorCode CheckAndAddPending(in RecordBatchHeader header, long baseOffset, long timestamp, out BatchMetadata? duplicate, out string? message)
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
        for (int i = _pending.Count - 1; i >= 0; i--)
        {
            if (_pending[i].ProducerId == producerId)
            {
                known = true;
                currentEpoch = _pending[i].Epoch;
                currentLastSeq = _pending[i].LastSequence;
                break;
            }
        }
        if (!known && entry is not null)
        {
            known = true;
            currentEpoch = entry.ProducerEpoch;
            currentLastSeq = entry.LastSequence;
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

        _pending.Add(new PendingBatch(producerId, epoch, hasSequence, firstSeq, lastSeq, baseOffset, baseOffset + header.LastOffsetDelta, timestamp));
        return ErrorCode.None;
    }

    /// <summary>Applies the pending batches of the append that was just written.</summary>
    internal void CommitAppend()
    {
        foreach (var p in _pending)
            Apply(p);
        _pending.Clear();
    }

    /// <summary>Updates state from a batch already in the log, without checks (loading, and later replication).</summary>
    public void Replay(in RecordBatchHeader header)
    {
        if (header.ProducerId < 0)
            return;
        bool hasSequence = header.BaseSequence != RecordBatchHeader.NoSequence && !header.IsControl;
        Apply(new PendingBatch(header.ProducerId, header.ProducerEpoch, hasSequence, header.BaseSequence, header.LastSequence,
            header.BaseOffset, header.LastOffset, header.MaxTimestamp));
    }

    /// <summary>Forgets producers all of whose batches are below the new log start offset (Kafka's truncateHead).</summary>
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
                _producers.Remove(id);
        }
    }

    /// <summary>Drops every producer (before a rebuild from the log).</summary>
    public void Clear() => _producers.Clear();

    /// <summary>
    /// Removes producers whose last batch is older than <paramref name="expirationMs"/>
    /// (<c>producer.id.expiration.ms</c>, Kafka's default one day). Returns how many were removed.
    /// </summary>
    public int RemoveExpired(long nowMs, long expirationMs)
    {
        List<long>? remove = null;
        foreach (var (id, entry) in _producers)
        {
            if (entry.LastTimestamp >= 0 && nowMs - entry.LastTimestamp >= expirationMs)
                (remove ??= []).Add(id);
        }
        if (remove is null)
            return 0;
        foreach (long id in remove)
            _producers.Remove(id);
        return remove.Count;
    }

    /// <summary>
    /// Serializes the state (Fjord's own layout: version, count, per producer id/epoch/batches, then a
    /// CRC-32C of everything before it) for a <c>.snapshot</c> file.
    /// </summary>
    public byte[] WriteSnapshot()
    {
        int size = 8;
        foreach (var e in _producers.Values)
            size += 8 + 2 + 4 + e.BatchCount * (4 + 4 + 8 + 8 + 8);
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
            BinaryPrimitives.WriteInt32BigEndian(span[(pos + 10)..], e.BatchCount);
            pos += 14;
            for (int i = 0; i < e.BatchCount; i++)
            {
                var b = e.GetBatch(i);
                BinaryPrimitives.WriteInt32BigEndian(span[pos..], b.FirstSequence);
                BinaryPrimitives.WriteInt32BigEndian(span[(pos + 4)..], b.LastSequence);
                BinaryPrimitives.WriteInt64BigEndian(span[(pos + 8)..], b.FirstOffset);
                BinaryPrimitives.WriteInt64BigEndian(span[(pos + 16)..], b.LastOffset);
                BinaryPrimitives.WriteInt64BigEndian(span[(pos + 24)..], b.Timestamp);
                pos += 32;
            }
        }
        BinaryPrimitives.WriteUInt32BigEndian(span[pos..], Crc32C.Compute(span[..pos]));
        return bytes;
    }

    /// <summary>Replaces the state with a snapshot; false (state cleared) when the bytes are not a valid snapshot.</summary>
    public bool TryLoadSnapshot(ReadOnlySpan<byte> bytes)
    {
        _producers.Clear();
        try
        {
            if (bytes.Length < 12 || BinaryPrimitives.ReadInt32BigEndian(bytes) != SnapshotVersion)
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
                int batches = BinaryPrimitives.ReadInt32BigEndian(bytes[(pos + 10)..]);
                pos += 14;
                if (batches is < 0 or > ProducerStateEntry.MaxCachedBatches)
                    return Fail();
                var entry = new ProducerStateEntry(id, epoch);
                for (int j = 0; j < batches; j++)
                {
                    entry.AddBatch(new BatchMetadata(
                        BinaryPrimitives.ReadInt32BigEndian(bytes[pos..]),
                        BinaryPrimitives.ReadInt32BigEndian(bytes[(pos + 4)..]),
                        BinaryPrimitives.ReadInt64BigEndian(bytes[(pos + 8)..]),
                        BinaryPrimitives.ReadInt64BigEndian(bytes[(pos + 16)..]),
                        BinaryPrimitives.ReadInt64BigEndian(bytes[(pos + 24)..])));
                    pos += 32;
                }
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

    private bool Fail()
    {
        _producers.Clear();
        return false;
    }

    // Kafka's inSequence: the next sequence follows the last one, wrapping at int.MaxValue.
    private static bool InSequence(int lastSeq, int nextSeq) =>
        nextSeq == (long)lastSeq + 1 || (nextSeq == 0 && lastSeq == int.MaxValue);

    private void Apply(in PendingBatch p)
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
        if (p.HasSequence)
            entry.AddBatch(new BatchMetadata(p.FirstSequence, p.LastSequence, p.FirstOffset, p.LastOffset, p.Timestamp));
        else if (p.Timestamp > entry.LastTimestamp)
            entry.LastTimestamp = p.Timestamp;
    }

    private readonly record struct PendingBatch(
        long ProducerId, short Epoch, bool HasSequence, int FirstSequence, int LastSequence, long FirstOffset, long LastOffset, long Timestamp);
}
