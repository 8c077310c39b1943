namespace Fjord.Storage;

/// <summary>
/// One record a leader refused (KIP-467): its index inside the batch and why. Produce v8+ returns these as
/// <c>record_errors</c>, so clients such as librdkafka fail exactly the records named. Immutable.
/// </summary>
public readonly record struct RecordError(int BatchIndex, string Message)
{
    /// <summary>Kafka's rendering, which its error_message lists.</summary>
    public override string ToString() => $"RecordError(batchIndex={BatchIndex}, message='{Message}')";
}
