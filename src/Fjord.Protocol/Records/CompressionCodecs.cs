using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using Fjord.Protocol.Errors;
using K4os.Compression.LZ4;
using K4os.Compression.LZ4.Streams;
using Snappier;
using ZstdSharp;

namespace Fjord.Protocol.Records;

/// <summary>
/// The record batch compression codecs (CLIENTS.md §6.8): gzip (System.IO.Compression), snappy
/// (Snappier; raw and xerial framing on decode, raw on encode), lz4 frame format (K4os, KIP-57) and
/// zstd (ZstdSharp). Decompression never writes more than a caller-given bound, so a decompression
/// bomb or garbage turns into a <see cref="RecordBatchException"/> with
/// <see cref="ErrorCode.CorruptMessage"/> instead of an OOM or a hang.
/// Stateless; safe from any thread (each call uses its own codec state).
/// </summary>
public static class CompressionCodecs
{
    /// <summary>
    /// Default cap on one batch's decompressed records. Kafka has no such knob, but a broker on a
    /// small node must not let a 1 MB produce request expand to gigabytes; 64 MiB is far above what
    /// producers batch (batch.size defaults to 16 KiB in Java, 1 MB in librdkafka).
    /// </summary>
    public const int DefaultMaxDecompressedSize = 64 * 1024 * 1024;

    /// <summary>Magic at the start of a xerial (snappy-java SnappyOutputStream) stream.</summary>
    private static ReadOnlySpan<byte> XerialMagic => [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0x00];

    // Magic (8) + version int32 + compatible-version int32.
    private const int XerialHeaderSize = 16;

    // Java's KafkaLZ4BlockOutputStream writes 64 KiB independent blocks, and its input stream rejects
    // dependent (chained) blocks, so we must encode the same way for Java consumers to read us.
    private static readonly LZ4EncoderSettings Lz4Settings = new()
    {
        ChainBlocks = false,
        BlockSize = 64 * 1024,
        ContentChecksum = false,
        BlockChecksum = false,
        CompressionLevel = LZ4Level.L00_FAST,
    };

    // librdkafka and Java both default to zstd level 3.
    private const int ZstdLevel = 3;

    private const int ReadChunkSize = 64 * 1024;

    /// <summary>True for the codec ids Kafka defines (0–4).</summary>
    public static bool IsKnown(CompressionType type) => (byte)type <= (byte)CompressionType.Zstd;

    /// <summary>
    /// Compresses <paramref name="source"/> with <paramref name="type"/> and appends the result to
    /// <paramref name="destination"/>. Snappy is written raw (one block, librdkafka style): every
    /// client decodes it (snappy-java's SnappyInputStream and kafka-python fall back to raw when the
    /// xerial magic is absent) and it avoids the xerial 32 KiB block overhead.
    /// </summary>
    /// <returns>The number of bytes appended.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is not a codec id 0–4.</exception>
    public static int Compress(CompressionType type, ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        switch (type)
        {
            case CompressionType.None:
                destination.Write(source);
                return source.Length;

            case CompressionType.Gzip:
                {
                    var sink = new BufferWriterStream(destination);
                    // CompressionLevel.Optimal is zlib level 6, Java's GZIPOutputStream default.
                    using (var gzip = new GZipStream(sink, CompressionLevel.Optimal, leaveOpen: true))
                    {
                        gzip.Write(source);
                    }

                    return (int)sink.Length;
                }

            case CompressionType.Snappy:
                {
                    Span<byte> target = destination.GetSpan(Snappy.GetMaxCompressedLength(source.Length));
                    int written = Snappy.Compress(source, target);
                    destination.Advance(written);
                    return written;
                }

            case CompressionType.Lz4:
                {
                    var sink = new BufferWriterStream(destination);
                    using (LZ4EncoderStream lz4 = LZ4Stream.Encode(sink, Lz4Settings, leaveOpen: true))
                    {
                        lz4.Write(source);
                    }

                    return (int)sink.Length;
                }

            case CompressionType.Zstd:
                {
                    using var compressor = new Compressor(ZstdLevel);
                    Span<byte> target = destination.GetSpan(Compressor.GetCompressBound(source.Length));
                    int written = compressor.Wrap(source, target);
                    destination.Advance(written);
                    return written;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown compression codec.");
        }
    }

    /// <summary>
    /// Decompresses <paramref name="source"/> (one batch's compressed records) into
    /// <paramref name="destination"/>, writing at most <paramref name="maxDecompressedSize"/> bytes.
    /// </summary>
    /// <returns>The number of bytes appended.</returns>
    /// <exception cref="RecordBatchException">
    /// CorruptMessage for malformed input, output past the bound, or an unknown codec id.
    /// </exception>
    public static int Decompress(
        CompressionType type,
        ReadOnlySpan<byte> source,
        IBufferWriter<byte> destination,
        int maxDecompressedSize = DefaultMaxDecompressedSize)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentOutOfRangeException.ThrowIfNegative(maxDecompressedSize);
        try
        {
            switch (type)
            {
                case CompressionType.None:
                    EnsureWithinBound(source.Length, maxDecompressedSize);
                    destination.Write(source);
                    return source.Length;
                case CompressionType.Gzip:
                case CompressionType.Lz4:
                case CompressionType.Zstd:
                    return DecompressStream(type, source, destination, maxDecompressedSize);
                case CompressionType.Snappy:
                    return source.StartsWith(XerialMagic)
                        ? DecompressXerialSnappy(source, destination, maxDecompressedSize)
                        : DecompressRawSnappy(source, destination, maxDecompressedSize);
                default:
                    // Ids 5–7 are not codecs: the attributes are garbage, so the batch is corrupt.
                    throw new RecordBatchException(ErrorCode.CorruptMessage, $"Unknown compression codec id {(byte)type}.");
            }
        }
        catch (RecordBatchException)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Codec libraries signal bad input with a variety of types (InvalidDataException,
            // ZstdException, ArgumentException, IndexOutOfRange from malformed lengths); all mean the
            // producer sent a corrupt payload. The original is kept as the inner exception.
            throw new RecordBatchException(ErrorCode.CorruptMessage, $"Invalid {type} compressed payload: {ex.Message}", ex);
        }
    }

    private static unsafe int DecompressStream(
        CompressionType type,
        ReadOnlySpan<byte> source,
        IBufferWriter<byte> destination,
        int maxDecompressedSize)
    {
        if (source.IsEmpty)
        {
            // GZipStream writes nothing at all for empty input, so accept an empty payload as empty
            // output; a batch declaring records then fails record parsing.
            return 0;
        }

        fixed (byte* pointer = source)
        {
            using var input = new UnmanagedMemoryStream(pointer, source.Length);
            using Stream decoder = type switch
            {
                CompressionType.Gzip => new GZipStream(input, CompressionMode.Decompress, leaveOpen: true),
                CompressionType.Lz4 => LZ4Stream.Decode(input, extraMemory: 0, leaveOpen: true),
                _ => new DecompressionStream(input, leaveOpen: true),
            };

            int total = 0;
            while (true)
            {
                // Ask for one byte past the bound so "exactly at the bound" and "past it" differ.
                int want = (int)Math.Min(ReadChunkSize, (long)maxDecompressedSize - total + 1);
                Span<byte> chunk = destination.GetSpan(want)[..want];
                int read = decoder.Read(chunk);
                if (read == 0)
                {
                    return total;
                }

                EnsureWithinBound((long)total + read, maxDecompressedSize);
                destination.Advance(read);
                total += read;
            }
        }
    }

    private static int DecompressRawSnappy(ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int maxDecompressedSize)
    {
        // The raw format starts with the uncompressed length, so the bound is checked before any
        // memory is touched.
        int length = Snappy.GetUncompressedLength(source);
        EnsureWithinBound(length, maxDecompressedSize);
        int written = Snappy.Decompress(source, destination.GetSpan(length)[..length]);
        destination.Advance(written);
        return written;
    }

    private static int DecompressXerialSnappy(ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int maxDecompressedSize)
    {
        if (source.Length < XerialHeaderSize)
        {
            throw new RecordBatchException(ErrorCode.CorruptMessage, "Truncated xerial snappy header.");
        }

        // Version and compatible version (both 1 in practice) are not checked: snappy-java itself
        // only rejects compat < 1, and the block layout has never changed.
        ReadOnlySpan<byte> remaining = source[XerialHeaderSize..];
        int total = 0;
        while (!remaining.IsEmpty)
        {
            if (remaining.Length < sizeof(int))
            {
                throw new RecordBatchException(ErrorCode.CorruptMessage, "Truncated xerial snappy block length.");
            }

            int blockLength = BinaryPrimitives.ReadInt32BigEndian(remaining);
            remaining = remaining[sizeof(int)..];
            if (blockLength < 0 || blockLength > remaining.Length)
            {
                throw new RecordBatchException(
                    ErrorCode.CorruptMessage,
                    $"Xerial snappy block length {blockLength} exceeds the {remaining.Length} bytes left.");
            }

            int written = DecompressRawSnappy(remaining[..blockLength], destination, maxDecompressedSize - total);
            total += written;
            remaining = remaining[blockLength..];
        }

        return total;
    }

    private static void EnsureWithinBound(long size, int maxDecompressedSize)
    {
        if (size > maxDecompressedSize)
        {
            throw new RecordBatchException(
                ErrorCode.CorruptMessage,
                $"Decompressed records exceed the limit of {maxDecompressedSize} bytes.");
        }
    }
}
