using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Records;
using K4os.Compression.LZ4.Streams;
using Snappier;

namespace Fjord.Protocol.Tests.Records;

public class CompressionCodecsTests
{
    public static TheoryData<CompressionType> Codecs() => TestBatches.Codecs();

    /// <summary>Every codec but None, whose "decompression" copies any input, garbage included.</summary>
    public static TheoryData<CompressionType> CompressingCodecs()
    {
        var codecs = new TheoryData<CompressionType>();
        foreach (CompressionType type in TestBatches.Codecs())
        {
            if (type != CompressionType.None)
            {
                codecs.Add(type);
            }
        }

        return codecs;
    }

    private static byte[] Sample(int size, int seed = 1)
    {
        var random = new Random(seed);
        var data = new byte[size];
        for (int i = 0; i < size; i++)
        {
            data[i] = random.Next(4) == 0 ? (byte)random.Next(256) : (byte)("kafka"[i % 5]);
        }

        return data;
    }

    private static byte[] Compress(CompressionType type, byte[] data)
    {
        var writer = new ArrayBufferWriter<byte>();
        int written = CompressionCodecs.Compress(type, data, writer);
        Assert.Equal(writer.WrittenCount, written);
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] Decompress(CompressionType type, byte[] data, int max = CompressionCodecs.DefaultMaxDecompressedSize)
    {
        var writer = new ArrayBufferWriter<byte>();
        int written = CompressionCodecs.Decompress(type, data, writer, max);
        Assert.Equal(writer.WrittenCount, written);
        return writer.WrittenSpan.ToArray();
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void CompressThenDecompress_AnySize_RoundTrips(CompressionType type)
    {
        foreach (int size in new[] { 0, 1, 100, 65_536, 65_537, 300_000 })
        {
            byte[] data = Sample(size, size);
            Assert.Equal(data, Decompress(type, Compress(type, data)));
        }
    }

    [Fact]
    public void Decompress_GzipFromSystemGZipStream_Works()
    {
        byte[] data = Sample(10_000);
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        Assert.Equal(data, Decompress(CompressionType.Gzip, output.ToArray()));
    }

    [Fact]
    public void Compress_Lz4_WritesStandardFrameWithIndependentBlocks()
    {
        byte[] data = Sample(200_000);
        byte[] frame = Compress(CompressionType.Lz4, data);

        // KIP-57: standard LZ4 frame magic 0x184D2204, little-endian.
        Assert.Equal(0x184D2204u, BinaryPrimitives.ReadUInt32LittleEndian(frame));
        byte flg = frame[4];
        Assert.Equal(0b01, flg >> 6);            // frame version 01
        Assert.NotEqual(0, flg & 0x20);          // block independence: Java's KafkaLZ4BlockInputStream needs it
        Assert.Equal(4, (frame[5] >> 4) & 0x7);  // BD: 64 KiB max block, as Java writes

        // Any standard LZ4 frame decoder reads it.
        using var decoder = LZ4Stream.Decode(new MemoryStream(frame));
        using var plain = new MemoryStream();
        decoder.CopyTo(plain);
        Assert.Equal(data, plain.ToArray());
    }

    [Fact]
    public void Compress_Snappy_WritesRawBlockLikeLibrdkafka()
    {
        byte[] data = Sample(5_000);
        byte[] compressed = Compress(CompressionType.Snappy, data);
        Assert.NotEqual(0x82, compressed[0]);
        Assert.Equal(data, Snappy.DecompressToArray(compressed));
    }

    [Fact]
    public void Decompress_XerialFramedSnappy_AsJavaAndKafkaPythonWrite()
    {
        // snappy-java's SnappyOutputStream: magic, version 1, compat 1, then 32 KiB raw blocks each
        // prefixed by its big-endian int32 length.
        byte[] data = Sample(100_000);
        using var xerial = new MemoryStream();
        xerial.Write([0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0x00]);
        WriteInt32BigEndian(xerial, 1);
        WriteInt32BigEndian(xerial, 1);
        for (int offset = 0; offset < data.Length; offset += 32 * 1024)
        {
            byte[] block = Snappy.CompressToArray(data.AsSpan(offset, Math.Min(32 * 1024, data.Length - offset)));
            WriteInt32BigEndian(xerial, block.Length);
            xerial.Write(block);
        }

        Assert.Equal(data, Decompress(CompressionType.Snappy, xerial.ToArray()));
    }

    [Fact]
    public void Decompress_XerialWithTruncatedBlock_ThrowsCorruptMessage()
    {
        using var xerial = new MemoryStream();
        xerial.Write([0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
        WriteInt32BigEndian(xerial, 1000);
        xerial.Write(new byte[10]);

        var ex = Assert.Throws<RecordBatchException>(() => Decompress(CompressionType.Snappy, xerial.ToArray()));
        Assert.Equal(ErrorCode.CorruptMessage, ex.ErrorCode);
    }

    [Theory]
    [MemberData(nameof(CompressingCodecs))]
    public void Decompress_Garbage_ThrowsCorruptMessage(CompressionType type)
    {
        var random = new Random(5);
        for (int attempt = 0; attempt < 20; attempt++)
        {
            byte[] garbage = new byte[random.Next(1, 2000)];
            random.NextBytes(garbage);
            try
            {
                Decompress(type, garbage, max: 1 << 20);
            }
            catch (RecordBatchException ex)
            {
                Assert.Equal(ErrorCode.CorruptMessage, ex.ErrorCode);
                continue;
            }

            // Raw snappy has no magic, so a short random input can happen to decode; that is fine
            // as long as it terminated within the bound (the record parser rejects it afterwards).
            Assert.Equal(CompressionType.Snappy, type);
        }
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Decompress_TruncatedPayload_ThrowsOrYieldsLess(CompressionType type)
    {
        byte[] data = Sample(50_000);
        byte[] compressed = Compress(type, data);
        byte[] truncated = compressed.AsSpan(0, compressed.Length / 2).ToArray();
        try
        {
            byte[] result = Decompress(type, truncated);
            Assert.True(result.Length < data.Length, "A truncated payload must not decode to the full data.");
        }
        catch (RecordBatchException ex)
        {
            Assert.Equal(ErrorCode.CorruptMessage, ex.ErrorCode);
        }
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Decompress_OutputPastBound_ThrowsCorruptMessage(CompressionType type)
    {
        // 4 MiB of zeros compresses to a few KiB: a miniature decompression bomb.
        byte[] compressed = Compress(type, new byte[4 << 20]);
        var ex = Assert.Throws<RecordBatchException>(() => Decompress(type, compressed, max: 64 * 1024));
        Assert.Equal(ErrorCode.CorruptMessage, ex.ErrorCode);
        Assert.Contains("exceed", ex.Message);
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Decompress_OutputExactlyAtBound_Succeeds(CompressionType type)
    {
        byte[] data = Sample(100_000);
        Assert.Equal(data, Decompress(type, Compress(type, data), max: data.Length));
    }

    [Fact]
    public void Decompress_RawSnappyDeclaringHugeLength_FailsBeforeAllocating()
    {
        // Varint uncompressed length 0xFFFFFFFF followed by nothing.
        byte[] bomb = [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00];
        var ex = Assert.Throws<RecordBatchException>(() => Decompress(CompressionType.Snappy, bomb));
        Assert.Equal(ErrorCode.CorruptMessage, ex.ErrorCode);
    }

    [Fact]
    public void Decompress_UnknownCodec_ThrowsCorruptMessage()
    {
        var ex = Assert.Throws<RecordBatchException>(() => Decompress((CompressionType)5, [1, 2, 3]));
        Assert.Equal(ErrorCode.CorruptMessage, ex.ErrorCode);
        Assert.Throws<ArgumentOutOfRangeException>(() => Compress((CompressionType)6, [1]));
    }

    [Fact]
    public void Compress_Gzip_IsStandardGzip()
    {
        byte[] data = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("hello kafka ", 100)));
        byte[] compressed = Compress(CompressionType.Gzip, data);
        Assert.Equal(0x1F, compressed[0]);
        Assert.Equal(0x8B, compressed[1]);
        using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gzip.CopyTo(plain);
        Assert.Equal(data, plain.ToArray());
    }

    private static void WriteInt32BigEndian(Stream stream, int value)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(buffer, value);
        stream.Write(buffer);
    }
}
