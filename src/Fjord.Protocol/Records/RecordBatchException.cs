using Fjord.Protocol.Errors;

namespace Fjord.Protocol.Records;

/// <summary>
/// Thrown when record batch bytes cannot be decoded (bad compression payload, malformed record,
/// decompression past the size bound). Carries the Kafka error code the broker should answer with,
/// so callers that must return a value (<see cref="RecordBatchValidator"/>) can convert it.
/// Immutable; safe to share.
/// </summary>
public sealed class RecordBatchException : Exception
{
    public RecordBatchException(ErrorCode errorCode, string message)
        : base(message)
    {
        ErrorCode = errorCode;
    }

    public RecordBatchException(ErrorCode errorCode, string message, Exception innerException)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
    }

    /// <summary>The Kafka error code that describes the failure to a client.</summary>
    public ErrorCode ErrorCode { get; }
}
