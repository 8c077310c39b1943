namespace Fjord.Storage;

/// <summary>
/// Kafka's <c>cleanup.policy</c>: <c>delete</c> (retention deletes old segments), <c>compact</c>
/// (keep the latest record per key) or both (<c>compact,delete</c>).
/// </summary>
[Flags]
public enum CleanupPolicy
{
    /// <summary><c>delete</c>: segments past <c>retention.ms</c>/<c>retention.bytes</c> are deleted.</summary>
    Delete = 1,

    /// <summary><c>compact</c>: the cleaner keeps the latest record per key.</summary>
    Compact = 2,
}
