using Fjord.Protocol.Errors;

namespace Fjord.Storage;

/// <summary>
/// The outcome of <see cref="PartitionLog.Append"/>, shaped like a Produce response partition: an
/// error, or the offsets the batches got. For a retried batch of an idempotent producer
/// (<see cref="Duplicate"/>) the offsets are those of the original append and nothing was written.
/// Immutable.
/// </summary>
public readonly record struct LogAppendResult
{
    public ErrorCode Error { get; init; }

    /// <summary>A human-readable reason when <see cref="Error"/> is set (Produce v8+ error_message).</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>The offset of the first record appended; -1 on error.</summary>
    public long BaseOffset { get; init; }

    /// <summary>The offset of the last record appended; -1 on error.</summary>
    public long LastOffset { get; init; }

    /// <summary>The broker time stamped on the batches when the topic uses LogAppendTime; -1 otherwise.</summary>
    public long LogAppendTime { get; init; }

    /// <summary>The log start offset after the append (Produce v5+ log_start_offset).</summary>
    public long LogStartOffset { get; init; }

    /// <summary>The records that made the batch fail (KIP-467, Produce v8+ record_errors); null when none were named.</summary>
    public IReadOnlyList<RecordError>? RecordErrors { get; init; }

    /// <summary>True when the batch was a retry of one already in the log and was not written again.</summary>
    public bool Duplicate { get; init; }

    internal static LogAppendResult Failed(ErrorCode error, string? message, long logStartOffset) => new()
    {
        Error = error,
        ErrorMessage = message,
        BaseOffset = -1,
        LastOffset = -1,
        LogAppendTime = -1,
        LogStartOffset = logStartOffset,
    };
}
