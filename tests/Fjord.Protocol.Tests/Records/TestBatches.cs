using System.Text;
using Fjord.Protocol.Records;

namespace Fjord.Protocol.Tests.Records;

/// <summary>Batches and records for tests, built with <see cref="RecordBatchBuilder"/> from a seed.</summary>
internal static class TestBatches
{
    public static readonly CompressionType[] AllCodecs =
        [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

    public static TheoryData<CompressionType> Codecs()
    {
        var data = new TheoryData<CompressionType>();
        foreach (CompressionType codec in AllCodecs)
        {
            data.Add(codec);
        }

        return data;
    }

    public sealed record TestRecord(long Timestamp, byte[]? Key, byte[]? Value, RecordHeader[] Headers);

    /// <summary>Records with a mix of null/empty/large keys and values and headers, reproducible from the seed.</summary>
    public static List<TestRecord> RandomRecords(int seed, int count)
    {
        var random = new Random(seed);
        long timestamp = 1_700_000_000_000 + random.Next(1_000_000);
        var records = new List<TestRecord>(count);
        for (int i = 0; i < count; i++)
        {
            // Timestamps may go backwards: deltas are zig-zag and can be negative.
            timestamp += random.Next(-50, 1000);
            records.Add(new TestRecord(timestamp, RandomBytes(random), RandomBytes(random), RandomHeaders(random)));
        }

        return records;
    }

    public static byte[] Build(
        IReadOnlyList<TestRecord> records,
        CompressionType compression = CompressionType.None,
        Action<RecordBatchBuilder>? configure = null)
    {
        using var builder = new RecordBatchBuilder(compression);
        configure?.Invoke(builder);
        foreach (TestRecord record in records)
        {
            builder.Append(record.Timestamp, record.Key, record.Value, record.Headers);
        }

        return builder.ToArray();
    }

    public static byte[] Simple(CompressionType compression = CompressionType.None, int count = 3) =>
        Build(Enumerable.Range(0, count)
            .Select(i => new TestRecord(1000 + i, Encoding.UTF8.GetBytes($"key-{i}"), Encoding.UTF8.GetBytes($"value-{i}"), []))
            .ToList(), compression);

    private static byte[]? RandomBytes(Random random)
    {
        switch (random.Next(10))
        {
            case 0:
                return null;
            case 1:
                return [];
            case 2:
                {
                    // Compressible and larger than one LZ4 / xerial block.
                    var big = new byte[random.Next(70_000, 140_000)];
                    for (int i = 0; i < big.Length; i++)
                    {
                        big[i] = (byte)(i % 251 < 200 ? 'a' + i % 7 : random.Next(256));
                    }

                    return big;
                }

            default:
                {
                    var bytes = new byte[random.Next(1, 300)];
                    random.NextBytes(bytes);
                    return bytes;
                }
        }
    }

    private static RecordHeader[] RandomHeaders(Random random)
    {
        int count = random.Next(4) == 0 ? random.Next(1, 5) : 0;
        var headers = new RecordHeader[count];
        for (int i = 0; i < count; i++)
        {
            byte[]? value = random.Next(3) == 0 ? null : Encoding.UTF8.GetBytes($"v{random.Next()}");
            headers[i] = new RecordHeader(i == 0 ? "trace-id-é" : $"h{i}", value);
        }

        return headers;
    }
}
