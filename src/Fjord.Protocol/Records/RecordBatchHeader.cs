using System.Buffers;
using System.Buffers.Binary;

namespace Fjord.Protocol.Records;

/// <summary>
/// The fixed 61-byte header of a magic-2 record batch (CLIENTS.md §6.7), all fields big-endian.
/// A plain value parsed from bytes: it does not check the magic, the CRC or any invariant — that is
/// <see cref="RecordBatchValidator"/>'s job. The static helpers read or patch single fields of a
/// batch in place so the produce/fetch path never decodes more than it needs.
/// Immutable; safe to share between threads.
/// </summary>
public readonly struct RecordBatchHeader
{
    public const int BaseOffsetOffset = 0;
    public const int BatchLengthOffset = 8;
    public const int PartitionLeaderEpochOffset = 12;
    public const int MagicOffset = 16;
    public const int CrcOffset = 17;
    public const int AttributesOffset = 21;
    public const int LastOffsetDeltaOffset = 23;
    public const int BaseTimestampOffset = 27;
    public const int MaxTimestampOffset = 35;
    public const int ProducerIdOffset = 43;
    public const int ProducerEpochOffset = 51;
    public const int BaseSequenceOffset = 53;
    public const int RecordCountOffset = 57;
    public const int RecordsOffset = 61;

    /// <summary>Size of the fixed header; the records (or the compressed blob) start here.</summary>
    public const int HeaderSize = 61;

    /// <summary>BaseOffset + BatchLength: the bytes not counted by BatchLength.</summary>
    public const int LogOverhead = 12;

    /// <summary>Smallest legal BatchLength: the header after the log overhead, with no records.</summary>
    public const int MinBatchLength = HeaderSize - LogOverhead;

    /// <summary>The only message format Fjord stores (KIP-724 dropped magic 0 and 1).</summary>
    public const byte CurrentMagic = 2;

    public const short CompressionCodecMask = 0x07;
    public const short TimestampTypeMask = 0x08;
    public const short TransactionalFlagMask = 0x10;
    public const short ControlFlagMask = 0x20;
    public const short DeleteHorizonFlagMask = 0x40;

    /// <summary>ProducerId / ProducerEpoch / BaseSequence of a batch from a non-idempotent producer.</summary>
    public const long NoProducerId = -1;
    public const short NoProducerEpoch = -1;
    public const int NoSequence = -1;

    /// <summary>What producers put in PartitionLeaderEpoch; the leader stamps the real epoch on append.</summary>
    public const int NoPartitionLeaderEpoch = -1;

    public RecordBatchHeader(
        long baseOffset,
        int batchLength,
        int partitionLeaderEpoch,
        byte magic,
        uint crc,
        short attributes,
        int lastOffsetDelta,
        long baseTimestamp,
        long maxTimestamp,
        long producerId,
        short producerEpoch,
        int baseSequence,
        int recordCount)
    {
        BaseOffset = baseOffset;
        BatchLength = batchLength;
        PartitionLeaderEpoch = partitionLeaderEpoch;
        Magic = magic;
        Crc = crc;
        Attributes = attributes;
        LastOffsetDelta = lastOffsetDelta;
        BaseTimestamp = baseTimestamp;
        MaxTimestamp = maxTimestamp;
        ProducerId = producerId;
        ProducerEpoch = producerEpoch;
        BaseSequence = baseSequence;
        RecordCount = recordCount;
    }

    public long BaseOffset { get; }
    public int BatchLength { get; }
    public int PartitionLeaderEpoch { get; }
    public byte Magic { get; }
    public uint Crc { get; }
    public short Attributes { get; }
    public int LastOffsetDelta { get; }
    public long BaseTimestamp { get; }
    public long MaxTimestamp { get; }
    public long ProducerId { get; }
    public short ProducerEpoch { get; }
    public int BaseSequence { get; }
    public int RecordCount { get; }

    public CompressionType Compression => (CompressionType)(Attributes & CompressionCodecMask);

    public TimestampType TimestampType =>
        (Attributes & TimestampTypeMask) != 0 ? TimestampType.LogAppendTime : TimestampType.CreateTime;

    public bool IsTransactional => (Attributes & TransactionalFlagMask) != 0;

    public bool IsControl => (Attributes & ControlFlagMask) != 0;

    /// <summary>KIP-534: BaseTimestamp holds the delete horizon of a compacted batch.</summary>
    public bool HasDeleteHorizon => (Attributes & DeleteHorizonFlagMask) != 0;

    public bool HasProducerId => ProducerId >= 0;

    public long LastOffset => BaseOffset + LastOffsetDelta;

    public long NextOffset => LastOffset + 1;

    /// <summary>Bytes the whole batch occupies on the wire and in the log.</summary>
    public int TotalSize => BatchLength + LogOverhead;

    /// <summary>Sequence number of the last record, wrapping at int.MaxValue like Kafka's producer.</summary>
    public int LastSequence
    {
        get
        {
            if (BaseSequence == NoSequence)
            {
                return NoSequence;
            }

            long last = (long)BaseSequence + LastOffsetDelta;
            return last > int.MaxValue ? (int)(last - int.MaxValue - 1) : (int)last;
        }
    }

    /// <summary>Parses the header from the first 61 bytes of <paramref name="batch"/>.</summary>
    /// <exception cref="ArgumentException">Fewer than 61 bytes were given.</exception>
    public static RecordBatchHeader Read(ReadOnlySpan<byte> batch)
    {
        if (!TryRead(batch, out RecordBatchHeader header))
        {
            throw new ArgumentException($"A record batch header needs {HeaderSize} bytes, got {batch.Length}.", nameof(batch));
        }

        return header;
    }

    /// <summary>Parses the header if at least 61 bytes are present; "need more bytes" is false, not an error.</summary>
    public static bool TryRead(ReadOnlySpan<byte> batch, out RecordBatchHeader header)
    {
        if (batch.Length < HeaderSize)
        {
            header = default;
            return false;
        }

        header = new RecordBatchHeader(
            BinaryPrimitives.ReadInt64BigEndian(batch[BaseOffsetOffset..]),
            BinaryPrimitives.ReadInt32BigEndian(batch[BatchLengthOffset..]),
            BinaryPrimitives.ReadInt32BigEndian(batch[PartitionLeaderEpochOffset..]),
            batch[MagicOffset],
            BinaryPrimitives.ReadUInt32BigEndian(batch[CrcOffset..]),
            BinaryPrimitives.ReadInt16BigEndian(batch[AttributesOffset..]),
            BinaryPrimitives.ReadInt32BigEndian(batch[LastOffsetDeltaOffset..]),
            BinaryPrimitives.ReadInt64BigEndian(batch[BaseTimestampOffset..]),
            BinaryPrimitives.ReadInt64BigEndian(batch[MaxTimestampOffset..]),
            BinaryPrimitives.ReadInt64BigEndian(batch[ProducerIdOffset..]),
            BinaryPrimitives.ReadInt16BigEndian(batch[ProducerEpochOffset..]),
            BinaryPrimitives.ReadInt32BigEndian(batch[BaseSequenceOffset..]),
            BinaryPrimitives.ReadInt32BigEndian(batch[RecordCountOffset..]));
        return true;
    }

    /// <summary>Parses the header from the start of a possibly multi-segment sequence.</summary>
    public static bool TryRead(in ReadOnlySequence<byte> batch, out RecordBatchHeader header)
    {
        if (batch.FirstSpan.Length >= HeaderSize)
        {
            return TryRead(batch.FirstSpan, out header);
        }

        if (batch.Length < HeaderSize)
        {
            header = default;
            return false;
        }

        Span<byte> copy = stackalloc byte[HeaderSize];
        batch.Slice(0, HeaderSize).CopyTo(copy);
        return TryRead(copy, out header);
    }

    /// <summary>Writes all 61 header bytes, the CRC as given (the caller computes it afterwards).</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < HeaderSize)
        {
            throw new ArgumentException($"A record batch header needs {HeaderSize} bytes.", nameof(destination));
        }

        BinaryPrimitives.WriteInt64BigEndian(destination[BaseOffsetOffset..], BaseOffset);
        BinaryPrimitives.WriteInt32BigEndian(destination[BatchLengthOffset..], BatchLength);
        BinaryPrimitives.WriteInt32BigEndian(destination[PartitionLeaderEpochOffset..], PartitionLeaderEpoch);
        destination[MagicOffset] = Magic;
        BinaryPrimitives.WriteUInt32BigEndian(destination[CrcOffset..], Crc);
        BinaryPrimitives.WriteInt16BigEndian(destination[AttributesOffset..], Attributes);
        BinaryPrimitives.WriteInt32BigEndian(destination[LastOffsetDeltaOffset..], LastOffsetDelta);
        BinaryPrimitives.WriteInt64BigEndian(destination[BaseTimestampOffset..], BaseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(destination[MaxTimestampOffset..], MaxTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(destination[ProducerIdOffset..], ProducerId);
        BinaryPrimitives.WriteInt16BigEndian(destination[ProducerEpochOffset..], ProducerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(destination[BaseSequenceOffset..], BaseSequence);
        BinaryPrimitives.WriteInt32BigEndian(destination[RecordCountOffset..], RecordCount);
    }

    public static long ReadBaseOffset(ReadOnlySpan<byte> batch) =>
        BinaryPrimitives.ReadInt64BigEndian(batch[BaseOffsetOffset..]);

    public static int ReadBatchLength(ReadOnlySpan<byte> batch) =>
        BinaryPrimitives.ReadInt32BigEndian(batch[BatchLengthOffset..]);

    public static int ReadPartitionLeaderEpoch(ReadOnlySpan<byte> batch) =>
        BinaryPrimitives.ReadInt32BigEndian(batch[PartitionLeaderEpochOffset..]);

    public static byte ReadMagic(ReadOnlySpan<byte> batch) => batch[MagicOffset];

    public static int ReadLastOffsetDelta(ReadOnlySpan<byte> batch) =>
        BinaryPrimitives.ReadInt32BigEndian(batch[LastOffsetDeltaOffset..]);

    /// <summary>Reads the CRC stored in the batch (not a computed one).</summary>
    public static uint ReadCrc(ReadOnlySpan<byte> batch) =>
        BinaryPrimitives.ReadUInt32BigEndian(batch[CrcOffset..]);

    /// <summary>
    /// Stamps the offset the leader assigned. The CRC starts at the attributes, so it stays valid —
    /// this is why a broker can store producer batches verbatim.
    /// </summary>
    public static void SetBaseOffset(Span<byte> batch, long baseOffset) =>
        BinaryPrimitives.WriteInt64BigEndian(batch[BaseOffsetOffset..], baseOffset);

    /// <summary>Stamps the leader epoch (KIP-101); not covered by the CRC either.</summary>
    public static void SetPartitionLeaderEpoch(Span<byte> batch, int partitionLeaderEpoch) =>
        BinaryPrimitives.WriteInt32BigEndian(batch[PartitionLeaderEpochOffset..], partitionLeaderEpoch);

    /// <summary>
    /// Switches a whole batch to LogAppendTime with the broker's clock (topics with
    /// message.timestamp.type=LogAppendTime). Attributes and MaxTimestamp are CRC-covered, so this
    /// recomputes the CRC over the batch; <paramref name="batch"/> must hold exactly one whole batch.
    /// </summary>
    public static void SetLogAppendTime(Span<byte> batch, long logAppendTime)
    {
        short attributes = BinaryPrimitives.ReadInt16BigEndian(batch[AttributesOffset..]);
        BinaryPrimitives.WriteInt16BigEndian(batch[AttributesOffset..], (short)(attributes | TimestampTypeMask));
        BinaryPrimitives.WriteInt64BigEndian(batch[MaxTimestampOffset..], logAppendTime);
        WriteCrc(batch);
    }

    /// <summary>Computes the CRC-32C from the attributes to the end of the span and stores it.</summary>
    public static void WriteCrc(Span<byte> batch) =>
        BinaryPrimitives.WriteUInt32BigEndian(batch[CrcOffset..], Crc32C.Compute(batch[AttributesOffset..]));

    /// <summary>Computes the CRC the batch should carry: CRC-32C from the attributes to the end.</summary>
    public static uint ComputeCrc(ReadOnlySpan<byte> batch) => Crc32C.Compute(batch[AttributesOffset..]);
}
