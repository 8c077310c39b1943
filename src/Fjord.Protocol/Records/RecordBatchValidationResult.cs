using Fjord.Protocol.Errors;

namespace Fjord.Protocol.Records;

/// <summary>
/// The outcome of <see cref="RecordBatchValidator"/>: an error code for the client, a message for
/// the broker log, and what the produce path needs from the batches (counts, producer identity of
/// the first batch, max timestamp). On error, the counts cover the batches before the bad one.
/// Immutable value; safe to share.
/// </summary>
public readonly struct RecordBatchValidationResult
{
    public ErrorCode ErrorCode { get; init; }

    public bool IsValid => ErrorCode == ErrorCode.None;

    /// <summary>What was wrong and where, for logs; null when valid. Not sent to clients verbatim.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Byte position of the offending batch in the input (0 when valid).</summary>
    public long ErrorPosition { get; init; }

    /// <summary>Number of complete, valid batches.</summary>
    public int BatchCount { get; init; }

    /// <summary>Sum of RecordCount over the valid batches.</summary>
    public long RecordCount { get; init; }

    /// <summary>Bytes covered by the valid batches.</summary>
    public long ValidBytes { get; init; }

    public long ProducerId { get; init; }

    public short ProducerEpoch { get; init; }

    public int BaseSequence { get; init; }

    public bool IsTransactional { get; init; }

    public bool IsControl { get; init; }

    /// <summary>Codec of the first batch.</summary>
    public CompressionType Compression { get; init; }

    /// <summary>Largest MaxTimestamp over the valid batches (−1 if none).</summary>
    public long MaxTimestamp { get; init; }
}
