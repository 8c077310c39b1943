using System.Buffers.Binary;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Records;
using Record = Fjord.Protocol.Records.Record;

namespace Fjord.Protocol.Tests.Records;

public class RecordBatchHeaderTests
{
    [Fact]
    public void Read_BuiltBatch_ExposesEveryField()
    {
        byte[] batch = TestBatches.Build(
            [
                new(5000, [1], [2], []),
                new(4990, null, [3], []),
                new(5100, [4], null, []),
            ],
            CompressionType.Zstd,
            b =>
            {
                b.BaseOffset = 42;
                b.PartitionLeaderEpoch = 7;
                b.ProducerId = 1234;
                b.ProducerEpoch = 3;
                b.BaseSequence = 99;
                b.IsTransactional = true;
            });

        RecordBatchHeader header = RecordBatchHeader.Read(batch);

        Assert.Equal(42, header.BaseOffset);
        Assert.Equal(batch.Length - 12, header.BatchLength);
        Assert.Equal(batch.Length, header.TotalSize);
        Assert.Equal(7, header.PartitionLeaderEpoch);
        Assert.Equal(2, header.Magic);
        Assert.Equal(RecordBatchHeader.ComputeCrc(batch), header.Crc);
        Assert.Equal(CompressionType.Zstd, header.Compression);
        Assert.Equal(TimestampType.CreateTime, header.TimestampType);
        Assert.True(header.IsTransactional);
        Assert.False(header.IsControl);
        Assert.False(header.HasDeleteHorizon);
        Assert.Equal(2, header.LastOffsetDelta);
        Assert.Equal(44, header.LastOffset);
        Assert.Equal(45, header.NextOffset);
        Assert.Equal(5000, header.BaseTimestamp);
        Assert.Equal(5100, header.MaxTimestamp);
        Assert.Equal(1234, header.ProducerId);
        Assert.Equal(3, header.ProducerEpoch);
        Assert.Equal(99, header.BaseSequence);
        Assert.Equal(101, header.LastSequence);
        Assert.Equal(3, header.RecordCount);
        Assert.Equal(42, RecordBatchHeader.ReadBaseOffset(batch));
        Assert.Equal(batch.Length - 12, RecordBatchHeader.ReadBatchLength(batch));
    }

    [Fact]
    public void WriteTo_ThenRead_RoundTrips()
    {
        var header = new RecordBatchHeader(1, 49, 2, 2, 0xDEADBEEF, 0x7F, 4, 5, 6, 7, 8, 9, 10);
        byte[] bytes = new byte[RecordBatchHeader.HeaderSize];
        header.WriteTo(bytes);
        RecordBatchHeader read = RecordBatchHeader.Read(bytes);
        Assert.Equal(0xDEADBEEF, read.Crc);
        Assert.Equal((CompressionType)7, read.Compression);
        Assert.Equal(TimestampType.LogAppendTime, read.TimestampType);
        Assert.True(read.IsTransactional && read.IsControl && read.HasDeleteHorizon);
        Assert.Equal(10, read.RecordCount);
        Assert.Equal(9, read.BaseSequence);
    }

    [Fact]
    public void TryRead_FewerThan61Bytes_ReturnsFalse()
    {
        Assert.False(RecordBatchHeader.TryRead(new byte[60], out _));
        Assert.Throws<ArgumentException>(() => RecordBatchHeader.Read(new byte[10]));
    }

    [Fact]
    public void LastSequence_WrapsPastIntMaxValue_LikeKafka()
    {
        var header = new RecordBatchHeader(0, 49, 0, 2, 0, 0, 5, 0, 0, 1, 0, int.MaxValue - 2, 6);
        Assert.Equal(2, header.LastSequence);
    }

    [Fact]
    public void SetBaseOffsetAndLeaderEpoch_LeaveCrcValid()
    {
        byte[] batch = TestBatches.Simple(CompressionType.Lz4);
        uint crcBefore = RecordBatchHeader.ReadCrc(batch);

        RecordBatchHeader.SetBaseOffset(batch, 123_456_789_012);
        RecordBatchHeader.SetPartitionLeaderEpoch(batch, 17);

        Assert.Equal(123_456_789_012, RecordBatchHeader.ReadBaseOffset(batch));
        Assert.Equal(17, RecordBatchHeader.ReadPartitionLeaderEpoch(batch));
        Assert.Equal(crcBefore, RecordBatchHeader.ComputeCrc(batch));
        Assert.True(RecordBatchValidator.Validate(batch).IsValid);

        using var reader = new RecordReader(batch);
        Assert.True(reader.TryReadNext(out Record first));
        Assert.Equal(123_456_789_012, first.Offset);
    }

    [Fact]
    public void SetLogAppendTime_RewritesCrcAndRecordTimestamps()
    {
        byte[] batch = TestBatches.Simple();
        RecordBatchHeader.SetLogAppendTime(batch, 9_999);

        RecordBatchValidationResult result = RecordBatchValidator.Validate(batch);
        Assert.True(result.IsValid, result.ErrorMessage);
        Assert.Equal(TimestampType.LogAppendTime, RecordBatchHeader.Read(batch).TimestampType);
        using var reader = new RecordReader(batch);
        while (reader.TryReadNext(out Record record))
        {
            Assert.Equal(9_999, record.Timestamp);
        }

        Assert.Equal(ErrorCode.None, result.ErrorCode);
        Assert.Equal(9_999, result.MaxTimestamp);
    }

    [Fact]
    public void Offsets_MatchClientsDocLayout()
    {
        byte[] batch = TestBatches.Simple();
        Assert.Equal(2, batch[16]);
        Assert.Equal(3, BinaryPrimitives.ReadInt32BigEndian(batch.AsSpan(57)));
        Assert.Equal(2, BinaryPrimitives.ReadInt32BigEndian(batch.AsSpan(23)));
        Assert.Equal(-1L, BinaryPrimitives.ReadInt64BigEndian(batch.AsSpan(43)));
    }
}
