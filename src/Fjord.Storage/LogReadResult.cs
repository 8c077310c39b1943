using System.Buffers;
using Fjord.Protocol.Errors;

namespace Fjord.Storage;

/// <summary>
/// The outcome of <see cref="PartitionLog.Read"/>: whole record batches exactly as stored, in a buffer
/// rented from <see cref="ArrayPool{T}.Shared"/>, plus the log's offsets at the time of the read (for
/// the Fetch response). The caller owns it and must dispose it once the bytes are sent; the
/// <see cref="Records"/> memory is invalid afterwards. Dispose is idempotent and thread-safe; reading
/// <see cref="Records"/> concurrently with Dispose is a bug.
/// </summary>
public sealed class LogReadResult : IDisposable
{
    private byte[]? _buffer;
    private readonly int _length;

    internal LogReadResult(ErrorCode error, byte[]? buffer, int length, long highWatermark, long logStartOffset, long logEndOffset, string? errorMessage = null)
    {
        Error = error;
        _buffer = buffer;
        _length = length;
        HighWatermark = highWatermark;
        LogStartOffset = logStartOffset;
        LogEndOffset = logEndOffset;
        ErrorMessage = errorMessage;
    }

    public ErrorCode Error { get; }

    public string? ErrorMessage { get; }

    /// <summary>Zero or more whole batches, starting with the batch that contains the fetch offset.</summary>
    public ReadOnlyMemory<byte> Records
    {
        get
        {
            var buffer = _buffer;
            return buffer is null ? ReadOnlyMemory<byte>.Empty : buffer.AsMemory(0, _length);
        }
    }

    public long HighWatermark { get; }

    public long LogStartOffset { get; }

    public long LogEndOffset { get; }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
            ArrayPool<byte>.Shared.Return(buffer);
    }
}
