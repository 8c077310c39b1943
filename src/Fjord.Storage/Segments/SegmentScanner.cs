using System.Buffers;
using Fjord.Protocol.Records;
using Microsoft.Win32.SafeHandles;

namespace Fjord.Storage.Segments;

/// <summary>Why a <see cref="SegmentScanner"/> scan stopped before the end of the range.</summary>
internal enum ScanStop
{
    /// <summary>Every byte of the range belongs to a valid batch.</summary>
    None,

    /// <summary>The range ends inside a batch (a write torn by a crash).</summary>
    Torn,

    /// <summary>A batch length below the 61-byte header or above the bytes left.</summary>
    BadLength,

    /// <summary>A magic byte other than 2.</summary>
    BadMagic,

    /// <summary>The stored CRC-32C does not match the bytes from the attributes to the end.</summary>
    BadCrc,

    /// <summary>Offsets went backwards, or out of the segment's int32 relative range.</summary>
    BadOffset,
}

/// <summary>
/// Walks the record batches of a segment file range, checking each like Kafka's log recovery
/// (<c>LogSegment.recover</c>): length bounds, magic 2, offsets increasing, and optionally the CRC
/// over bytes 21..end. Reads in 64 KiB chunks so a scan costs a few syscalls per chunk, not one per
/// batch. Stateless; safe from any thread (each call uses its own pooled buffer).
/// </summary>
internal static class SegmentScanner
{
    private const int ChunkSize = 64 * 1024;

    public delegate void BatchVisitor(in RecordBatchHeader header, int position);

    /// <summary>
    /// Scans [<paramref name="start"/>, <paramref name="end"/>) and calls <paramref name="visitor"/> for
    /// each valid batch in order. Returns the position just after the last valid batch and why the scan
    /// stopped there (<see cref="ScanStop.None"/> when it reached <paramref name="end"/>).
    /// </summary>
    public static (long ValidEnd, ScanStop Stop) Scan(
        SafeFileHandle handle, long start, long end, long segmentBaseOffset, long minBaseOffset, bool validateCrc, BatchVisitor? visitor)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long bufferStart = 0;
            int bufferLength = 0;
            long position = start;
            long expectedOffset = minBaseOffset;
            while (position < end)
            {
                long remaining = end - position;
                if (remaining < RecordBatchHeader.HeaderSize)
                    return (position, ScanStop.Torn);
                if (position < bufferStart || position + RecordBatchHeader.HeaderSize > bufferStart + bufferLength)
                {
                    bufferStart = position;
                    bufferLength = FileIo.ReadAtMost(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, remaining)), position);
                    if (bufferLength < RecordBatchHeader.HeaderSize)
                        return (position, ScanStop.Torn);
                }
                var span = buffer.AsSpan((int)(position - bufferStart), bufferLength - (int)(position - bufferStart));
                var header = RecordBatchHeader.Read(span);
                if (header.BatchLength < RecordBatchHeader.MinBatchLength)
                    return (position, ScanStop.BadLength);
                if (header.TotalSize > remaining)
                    return (position, ScanStop.Torn);
                if (header.Magic != RecordBatchHeader.CurrentMagic)
                    return (position, ScanStop.BadMagic);
                if (header.BaseOffset < expectedOffset || header.LastOffsetDelta < 0
                    || header.LastOffset - segmentBaseOffset > int.MaxValue || header.BaseOffset < segmentBaseOffset)
                    return (position, ScanStop.BadOffset);
                if (validateCrc)
                {
                    int total = header.TotalSize;
                    if (total <= span.Length)
                    {
                        if (RecordBatchHeader.ComputeCrc(span[..total]) != header.Crc)
                            return (position, ScanStop.BadCrc);
                    }
                    else if (total <= buffer.Length)
                    {
                        bufferStart = position;
                        bufferLength = FileIo.ReadAtMost(handle, buffer.AsSpan(0, total), position);
                        if (bufferLength < total)
                            return (position, ScanStop.Torn);
                        if (RecordBatchHeader.ComputeCrc(buffer.AsSpan(0, total)) != header.Crc)
                            return (position, ScanStop.BadCrc);
                    }
                    else
                    {
                        byte[] large = ArrayPool<byte>.Shared.Rent(total);
                        try
                        {
                            if (FileIo.ReadAtMost(handle, large.AsSpan(0, total), position) < total)
                                return (position, ScanStop.Torn);
                            if (RecordBatchHeader.ComputeCrc(large.AsSpan(0, total)) != header.Crc)
                                return (position, ScanStop.BadCrc);
                        }
                        finally
                        {
                            ArrayPool<byte>.Shared.Return(large);
                        }
                    }
                }
                visitor?.Invoke(header, (int)position);
                position += header.TotalSize;
                expectedOffset = header.NextOffset;
            }
            return (position, ScanStop.None);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// From <paramref name="start"/> (a batch boundary at or before the target), finds the first batch
    /// whose last offset is at least <paramref name="targetOffset"/>. Returns its position and header,
    /// or the position where the walk stopped (<paramref name="end"/>, or an unreadable batch) with null.
    /// Checks only lengths; the caller validates what it serves.
    /// </summary>
    public static (long Position, RecordBatchHeader? Header) FindBatch(SafeFileHandle handle, long start, long end, long targetOffset)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            long bufferStart = 0;
            int bufferLength = 0;
            long position = start;
            while (position + RecordBatchHeader.HeaderSize <= end)
            {
                if (position < bufferStart || position + RecordBatchHeader.HeaderSize > bufferStart + bufferLength)
                {
                    bufferStart = position;
                    bufferLength = FileIo.ReadAtMost(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, end - position)), position);
                    if (bufferLength < RecordBatchHeader.HeaderSize)
                        return (position, null);
                }
                var header = RecordBatchHeader.Read(buffer.AsSpan((int)(position - bufferStart)));
                if (header.BatchLength < RecordBatchHeader.MinBatchLength || position + header.TotalSize > end)
                    return (position, null);
                if (header.LastOffset >= targetOffset)
                    return (position, header);
                position += header.TotalSize;
            }
            return (position, null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
