using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Xunit;
using Fjord.Protocol.Records;
using Record = Fjord.Protocol.Records.Record;

namespace Fjord.Protocol.Tests.Records;

/// <summary>Builder → validator → reader for every codec.</summary>
public class RecordBatchRoundTripTests
{
    public static TheoryData<CompressionType> Codecs() => TestBatches.Codecs();

    public static TheoryData<CompressionType, int> CodecsAndSeeds()
    {
        var data = new TheoryData<CompressionType, int>();
        foreach (CompressionType codec in TestBatches.AllCodecs)
        {
            foreach (int seed in new[] { 1, 2, 3 })
            {
                data.Add(codec, seed);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CodecsAndSeeds))]
    public void BuildValidateRead_SeededRandomRecords_RoundTrip(CompressionType codec, int seed)
    {
        int count = new Random(seed).Next(1, 400);
        List<TestBatches.TestRecord> records = TestBatches.RandomRecords(seed * 31 + (int)codec, count);
        byte[] batch = TestBatches.Build(records, codec, b =>
        {
            b.BaseOffset = 1000;
            b.ProducerId = 77;
            b.ProducerEpoch = 2;
            b.BaseSequence = 5;
        });

        RecordBatchValidationResult result = RecordBatchValidator.Validate(batch);
        Assert.True(result.IsValid, result.ErrorMessage);
        Assert.Equal(1, result.BatchCount);
        Assert.Equal(count, result.RecordCount);
        Assert.Equal(batch.Length, result.ValidBytes);
        Assert.Equal(77, result.ProducerId);
        Assert.Equal(2, result.ProducerEpoch);
        Assert.Equal(5, result.BaseSequence);
        Assert.Equal(codec, result.Compression);
        Assert.Equal(records.Max(r => r.Timestamp), result.MaxTimestamp);

        AssertRecords(batch, records, baseOffset: 1000);
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void BuildValidateRead_NullAndEmptyKeysValuesAndHeaders_AreDistinguished(CompressionType codec)
    {
        List<TestBatches.TestRecord> records =
        [
            new(10, null, null, []),
            new(11, [], [], []),
            new(12, Encoding.UTF8.GetBytes("k"), null, [new RecordHeader("a", null), new RecordHeader("b", [])]),
            new(9, null, Encoding.UTF8.GetBytes("v"), [new RecordHeader("ключ", [1, 2, 3])]),
        ];
        byte[] batch = TestBatches.Build(records, codec);

        Assert.True(RecordBatchValidator.Validate(batch).IsValid);
        AssertRecords(batch, records, baseOffset: 0);
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void WriteTo_BufferWriter_EqualsToArray(CompressionType codec)
    {
        using var builder = new RecordBatchBuilder(codec);
        builder.Append(1, [1], [2]);
        builder.Append(2, "key"u8, false, "value"u8, false);
        var writer = new ArrayBufferWriter<byte>();
        writer.Write(new byte[] { 9, 9 });

        int written = builder.WriteTo(writer);

        Assert.Equal(builder.ToArray(), writer.WrittenSpan[2..].ToArray());
        Assert.Equal(written, writer.WrittenCount - 2);
    }

    [Fact]
    public void Builder_AfterReset_BuildsIndependentBatch()
    {
        using var builder = new RecordBatchBuilder(CompressionType.Snappy);
        builder.Append(100, [1], [1]);
        builder.Append(200, [2], [2]);
        builder.Reset();
        builder.Append(300, [3], [3]);
        byte[] batch = builder.ToArray();

        RecordBatchHeader header = RecordBatchHeader.Read(batch);
        Assert.Equal(1, header.RecordCount);
        Assert.Equal(0, header.LastOffsetDelta);
        Assert.Equal(300, header.BaseTimestamp);
        Assert.True(RecordBatchValidator.Validate(batch).IsValid);
    }

    [Fact]
    public void Builder_WithNoRecords_Throws()
    {
        using var builder = new RecordBatchBuilder();
        Assert.Throws<InvalidOperationException>(() => builder.ToArray());
    }

    [Theory]
    [InlineData(ControlRecordType.Commit)]
    [InlineData(ControlRecordType.Abort)]
    public void AppendEndTransactionMarker_WritesKafkaControlRecord(ControlRecordType type)
    {
        using var builder = new RecordBatchBuilder
        {
            IsControl = true,
            IsTransactional = true,
            ProducerId = 5,
            ProducerEpoch = 1,
        };
        builder.AppendEndTransactionMarker(1234, type, coordinatorEpoch: 9);
        byte[] batch = builder.ToArray();

        RecordBatchValidationResult result = RecordBatchValidator.Validate(batch);
        Assert.True(result.IsValid, result.ErrorMessage);
        Assert.True(result.IsControl);
        Assert.True(result.IsTransactional);
        using var reader = new RecordReader(batch);
        Assert.True(reader.TryReadNext(out Record marker));
        Assert.Equal(new byte[] { 0, 0, 0, (byte)type }, marker.Key.ToArray());
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 9 }, marker.Value.ToArray());
    }

    [Fact]
    public void Reader_MoveNextAndCurrent_IterateAllRecords()
    {
        byte[] batch = TestBatches.Simple(CompressionType.Gzip, count: 10);
        using var reader = new RecordReader(batch);
        int n = 0;
        while (reader.MoveNext())
        {
            Assert.Equal($"value-{n}", Encoding.UTF8.GetString(reader.Current.Value));
            n++;
        }

        Assert.Equal(10, n);
        Assert.Equal(10, reader.RecordsRead);
    }

    [Property(MaxTest = 60)]
    public void BuildValidateRead_ArbitraryRecords_RoundTrip(byte[][] values, bool nullKeys, byte codecChoice, int timestampSeed)
    {
        values ??= [];
        if (values.Length == 0)
        {
            values = [[]];
        }

        var codec = (CompressionType)(codecChoice % 5);
        var records = new List<TestBatches.TestRecord>();
        for (int i = 0; i < values.Length; i++)
        {
            byte[]? value = values[i];
            byte[]? key = nullKeys ? null : BitConverter.GetBytes(i);
            records.Add(new((long)timestampSeed * 1000 + i * (i % 2 == 0 ? 7 : -3), key, value, []));
        }

        byte[] batch = TestBatches.Build(records, codec);

        RecordBatchValidationResult result = RecordBatchValidator.Validate(batch);
        Assert.True(result.IsValid, result.ErrorMessage);
        Assert.Equal(values.Length, result.RecordCount);
        AssertRecords(batch, records, baseOffset: 0);

        // Fed through a fragmented sequence, the validator reaches the same verdict.
        RecordBatchValidationResult fromSequence = RecordBatchValidator.Validate(TestSequence.Split(batch, 5, 20, 40));
        Assert.True(fromSequence.IsValid, fromSequence.ErrorMessage);
        Assert.Equal(result.RecordCount, fromSequence.RecordCount);
    }

    private static void AssertRecords(byte[] batch, IReadOnlyList<TestBatches.TestRecord> expected, long baseOffset)
    {
        using var reader = new RecordReader(batch);
        int i = 0;
        while (reader.TryReadNext(out Record record))
        {
            TestBatches.TestRecord want = expected[i];
            Assert.Equal(i, record.OffsetDelta);
            Assert.Equal(baseOffset + i, record.Offset);
            Assert.Equal(want.Timestamp, record.Timestamp);
            Assert.Equal(want.Key is null, record.IsKeyNull);
            Assert.Equal(want.Key, record.KeyToArray());
            Assert.Equal(want.Value is null, record.IsValueNull);
            Assert.Equal(want.Value, record.ValueToArray());
            Assert.Equal(want.Headers.Length, record.HeaderCount);
            RecordHeader[] headers = record.GetHeaders();
            for (int h = 0; h < headers.Length; h++)
            {
                Assert.Equal(want.Headers[h].Key, headers[h].Key);
                Assert.Equal(want.Headers[h].Value, headers[h].Value);
            }

            Assert.Equal(0, record.Attributes);
            i++;
        }

        Assert.Equal(expected.Count, i);
    }
}
