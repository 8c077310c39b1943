using System.Buffers.Binary;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Records;

namespace Fjord.Protocol.Tests.Records;

public class RecordBatchValidatorTests
{
    public static TheoryData<CompressionType> Codecs() => TestBatches.Codecs();

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Validate_AnyByteFlippedInCrcRange_ReturnsCorruptMessage(CompressionType codec)
    {
        // Small records keep this O(n^2) sweep fast; every covered byte is tried.
        byte[] batch = TestBatches.Build(
            Enumerable.Range(0, 8).Select(i => new TestBatches.TestRecord(i, [(byte)i], new byte[i * 10], [new RecordHeader("h", [1])])).ToList(),
            codec);
        for (int position = RecordBatchHeader.AttributesOffset; position < batch.Length; position++)
        {
            byte[] corrupt = (byte[])batch.Clone();
            corrupt[position] ^= 0x5A;

            RecordBatchValidationResult result = RecordBatchValidator.Validate(corrupt);

            Assert.Equal(ErrorCode.CorruptMessage, result.ErrorCode);
            Assert.Contains("CRC", result.ErrorMessage);
        }
    }

    [Fact]
    public void Validate_StoredCrcAltered_ReturnsCorruptMessage()
    {
        byte[] batch = TestBatches.Simple();
        batch[RecordBatchHeader.CrcOffset + 2] ^= 1;
        Assert.Equal(ErrorCode.CorruptMessage, RecordBatchValidator.Validate(batch).ErrorCode);
    }

    [Fact]
    public void Validate_TruncatedAtAnyLength_ReturnsError()
    {
        byte[] batch = TestBatches.Simple(CompressionType.Zstd);
        for (int length = 1; length < batch.Length; length++)
        {
            RecordBatchValidationResult result = RecordBatchValidator.Validate(batch.AsSpan(0, length));
            Assert.Equal(ErrorCode.CorruptMessage, result.ErrorCode);
            Assert.Equal(0, result.BatchCount);
        }
    }

    [Fact]
    public void Validate_Empty_ReturnsInvalidRecord()
    {
        Assert.Equal(ErrorCode.InvalidRecord, RecordBatchValidator.Validate(ReadOnlySpan<byte>.Empty).ErrorCode);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Validate_LegacyMessageSet_ReturnsUnsupportedForMessageFormat(byte magic)
    {
        // A magic 0/1 message as Produce v0-2 carries it: offset, size, crc, magic, attributes,
        // [timestamp for v1], key (-1), value.
        byte[] value = "legacy"u8.ToArray();
        int size = 4 + 1 + 1 + (magic == 1 ? 8 : 0) + 4 + 4 + value.Length;
        byte[] message = new byte[12 + size];
        BinaryPrimitives.WriteInt64BigEndian(message, 0);
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(8), size);
        message[16] = magic;
        int p = 18 + (magic == 1 ? 8 : 0);
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(p), -1);
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(p + 4), value.Length);
        value.CopyTo(message.AsSpan(p + 8));

        RecordBatchValidationResult result = RecordBatchValidator.Validate(message);

        Assert.Equal(ErrorCode.UnsupportedForMessageFormat, result.ErrorCode);
        Assert.Contains($"magic {magic}", result.ErrorMessage);
    }

    [Fact]
    public void Validate_UnknownMagic_ReturnsCorruptMessage()
    {
        byte[] batch = TestBatches.Simple();
        batch[RecordBatchHeader.MagicOffset] = 3;
        Assert.Equal(ErrorCode.CorruptMessage, RecordBatchValidator.Validate(batch).ErrorCode);
    }

    [Fact]
    public void Validate_SeveralBatchesBackToBack_CountsAll()
    {
        byte[] a = TestBatches.Simple(CompressionType.None, 3);
        byte[] b = TestBatches.Simple(CompressionType.Lz4, 5);
        byte[] c = TestBatches.Simple(CompressionType.Gzip, 2);
        byte[] all = [.. a, .. b, .. c];

        RecordBatchValidationResult result = RecordBatchValidator.Validate(all);
        Assert.True(result.IsValid, result.ErrorMessage);
        Assert.Equal(3, result.BatchCount);
        Assert.Equal(10, result.RecordCount);
        Assert.Equal(CompressionType.None, result.Compression);

        RecordBatchValidationResult fromBytes = RecordBatchValidator.Validate(TestSequence.ByteByByte(all));
        Assert.True(fromBytes.IsValid, fromBytes.ErrorMessage);
        Assert.Equal(3, fromBytes.BatchCount);
        Assert.Equal(10, fromBytes.RecordCount);
    }

    [Fact]
    public void Validate_TrailingPartialBatch_ReturnsCorruptMessageAtItsPosition()
    {
        byte[] a = TestBatches.Simple();
        byte[] b = TestBatches.Simple();
        byte[] all = [.. a, .. b.AsSpan(0, 30)];

        RecordBatchValidationResult result = RecordBatchValidator.Validate(all);
        Assert.Equal(ErrorCode.CorruptMessage, result.ErrorCode);
        Assert.Equal(1, result.BatchCount);
        Assert.Equal(a.Length, result.ErrorPosition);

        RecordBatchValidationResult fromSequence = RecordBatchValidator.Validate(TestSequence.Split(all, 7, 50));
        Assert.Equal(ErrorCode.CorruptMessage, fromSequence.ErrorCode);
        Assert.Equal(a.Length, fromSequence.ErrorPosition);

        byte[] tiny = [.. a, 0, 0, 0];
        Assert.Equal(ErrorCode.CorruptMessage, RecordBatchValidator.Validate(tiny).ErrorCode);
    }

    [Fact]
    public void Validate_BatchLengthBelowHeader_ReturnsCorruptMessage()
    {
        byte[] batch = TestBatches.Simple();
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchHeader.BatchLengthOffset), 48);
        Assert.Equal(ErrorCode.CorruptMessage, RecordBatchValidator.Validate(batch).ErrorCode);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void Validate_UnknownCodecWithValidCrc_ReturnsCorruptMessage(int codec)
    {
        byte[] batch = TestBatches.Simple();
        short attributes = BinaryPrimitives.ReadInt16BigEndian(batch.AsSpan(RecordBatchHeader.AttributesOffset));
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(RecordBatchHeader.AttributesOffset), (short)((attributes & ~0x07) | codec));
        RecordBatchHeader.WriteCrc(batch);

        RecordBatchValidationResult result = RecordBatchValidator.Validate(batch);
        Assert.Equal(ErrorCode.CorruptMessage, result.ErrorCode);
        Assert.Contains("codec", result.ErrorMessage);
    }

    [Theory]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public void Validate_GarbageCompressedPayloadWithValidCrc_ReturnsCleanError(CompressionType codec)
    {
        var random = new Random(99);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            byte[] batch = ForgeBatch(codec, recordCount: 3, records: RandomBytes(random, random.Next(1, 500)));
            RecordBatchValidationResult result = RecordBatchValidator.Validate(batch);

            // Snappy has no magic, so garbage may "decompress"; the record parser then rejects it.
            Assert.Contains(result.ErrorCode, new[] { ErrorCode.CorruptMessage, ErrorCode.InvalidRecord });
            Assert.False(string.IsNullOrEmpty(result.ErrorMessage));
            Assert.Throws<RecordBatchException>(() =>
            {
                using var reader = new RecordReader(batch);
                while (reader.TryReadNext(out _))
                {
                }
            });
        }
    }

    [Fact]
    public void Validate_DecompressionBomb_ReturnsCorruptMessageWithinBound()
    {
        using var builder = new RecordBatchBuilder(CompressionType.Zstd);
        builder.Append(1, null, new byte[8 << 20]);
        byte[] batch = builder.ToArray();
        Assert.True(batch.Length < 64 * 1024);

        RecordBatchValidationResult result = RecordBatchValidator.Validate(batch, new RecordBatchValidationOptions(MaxDecompressedSize: 1 << 20));

        Assert.Equal(ErrorCode.CorruptMessage, result.ErrorCode);
        Assert.Contains("exceed", result.ErrorMessage);
        Assert.True(RecordBatchValidator.Validate(batch).IsValid);
    }

    [Fact]
    public void Validate_RecordCountNotMatchingLastOffsetDelta_ReturnsInvalidRecord()
    {
        byte[] batch = TestBatches.Simple(count: 3);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchHeader.LastOffsetDeltaOffset), 5);
        RecordBatchHeader.WriteCrc(batch);

        Assert.Equal(ErrorCode.InvalidRecord, RecordBatchValidator.Validate(batch).ErrorCode);

        // Compacted batches have gaps; the headers-only mode accepts count < offset range.
        Assert.True(RecordBatchValidator.Validate(batch, new RecordBatchValidationOptions(HeadersOnly: true)).IsValid);
    }

    [Fact]
    public void Validate_NegativeRecordCount_ReturnsInvalidRecord()
    {
        byte[] batch = TestBatches.Simple();
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchHeader.RecordCountOffset), -1);
        RecordBatchHeader.WriteCrc(batch);
        Assert.Equal(ErrorCode.InvalidRecord, RecordBatchValidator.Validate(batch).ErrorCode);
    }

    [Fact]
    public void Validate_RecordCountAboveRecordsPresent_ReturnsInvalidRecord()
    {
        byte[] batch = TestBatches.Simple(count: 3);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchHeader.RecordCountOffset), 4);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchHeader.LastOffsetDeltaOffset), 3);
        RecordBatchHeader.WriteCrc(batch);

        RecordBatchValidationResult result = RecordBatchValidator.Validate(batch);
        Assert.Equal(ErrorCode.InvalidRecord, result.ErrorCode);
        Assert.Contains("fewer records", result.ErrorMessage);
    }

    [Fact]
    public void Validate_TrailingBytesAfterLastRecord_ReturnsInvalidRecord()
    {
        byte[] batch = TestBatches.Simple(count: 2);
        byte[] padded = [.. batch, 0, 0];
        BinaryPrimitives.WriteInt32BigEndian(padded.AsSpan(RecordBatchHeader.BatchLengthOffset), padded.Length - 12);
        RecordBatchHeader.WriteCrc(padded);

        RecordBatchValidationResult result = RecordBatchValidator.Validate(padded);
        Assert.Equal(ErrorCode.InvalidRecord, result.ErrorCode);
        Assert.Contains("left", result.ErrorMessage);
    }

    [Fact]
    public void Validate_OffsetDeltasOutOfSequence_ReturnsInvalidRecord()
    {
        byte[] batch = TestBatches.Simple(count: 2);
        // First record: length varint, attributes, timestampDelta (0 => one byte), then offsetDelta.
        int offsetDeltaPosition = RecordBatchHeader.RecordsOffset + 1 + 1 + 1;
        Assert.Equal(0, batch[offsetDeltaPosition]);
        batch[offsetDeltaPosition] = 2; // zig-zag 1
        RecordBatchHeader.WriteCrc(batch);

        RecordBatchValidationResult result = RecordBatchValidator.Validate(batch);
        Assert.Equal(ErrorCode.InvalidRecord, result.ErrorCode);
        Assert.Contains("offset delta", result.ErrorMessage);
    }

    [Fact]
    public void Validate_MalformedRecordWithValidCrc_ReturnsInvalidRecord()
    {
        byte[] batch = TestBatches.Simple(count: 1);
        batch[RecordBatchHeader.RecordsOffset] = 0x7E; // record length far past the batch end
        RecordBatchHeader.WriteCrc(batch);

        Assert.Equal(ErrorCode.InvalidRecord, RecordBatchValidator.Validate(batch).ErrorCode);
    }

    [Fact]
    public void Validate_FirstBatchProducerFields_AreReported()
    {
        byte[] batch = TestBatches.Build(TestBatches.RandomRecords(8, 4), CompressionType.Snappy, b =>
        {
            b.ProducerId = 4242;
            b.ProducerEpoch = 7;
            b.BaseSequence = 100;
            b.IsTransactional = true;
        });

        RecordBatchValidationResult result = RecordBatchValidator.Validate(batch);
        Assert.True(result.IsValid, result.ErrorMessage);
        Assert.Equal(4242, result.ProducerId);
        Assert.Equal(7, result.ProducerEpoch);
        Assert.Equal(100, result.BaseSequence);
        Assert.True(result.IsTransactional);
        Assert.False(result.IsControl);
        Assert.Null(result.ErrorMessage);
    }

    [Fact]
    public void Validate_RandomBytes_NeverThrows()
    {
        var random = new Random(1234);
        byte[] valid = TestBatches.Simple(CompressionType.Lz4);
        for (int i = 0; i < 2000; i++)
        {
            byte[] input = (byte[])valid.Clone();
            // Mutate a few bytes anywhere, including the header, then fix the CRC half the time so
            // the deeper checks run too.
            for (int m = random.Next(1, 4); m > 0; m--)
            {
                input[random.Next(input.Length)] = (byte)random.Next(256);
            }

            if (random.Next(2) == 0 && input.Length >= RecordBatchHeader.HeaderSize)
            {
                RecordBatchHeader.WriteCrc(input);
            }

            RecordBatchValidationResult result = RecordBatchValidator.Validate(input);
            if (!result.IsValid)
            {
                Assert.NotNull(result.ErrorMessage);
            }
        }
    }

    private static byte[] ForgeBatch(CompressionType codec, int recordCount, byte[] records)
    {
        byte[] batch = new byte[RecordBatchHeader.HeaderSize + records.Length];
        new RecordBatchHeader(0, batch.Length - 12, -1, 2, 0, (short)codec, recordCount - 1, 0, 0, -1, -1, -1, recordCount)
            .WriteTo(batch);
        records.CopyTo(batch, RecordBatchHeader.RecordsOffset);
        RecordBatchHeader.WriteCrc(batch);
        return batch;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
