namespace Fjord.Storage.Cleaner;

/// <summary>
/// The durable steps of swapping a cleaned segment group into a log (Kafka's <c>replaceSegments</c>).
/// A crash after any of them leaves a log that <see cref="PartitionLog.Open"/> completes or rolls back.
/// </summary>
public enum CompactionStep
{
    /// <summary><c>&lt;base&gt;.log.cleaned</c> is written and fsync'd; the old segments are untouched (a crash rolls back).</summary>
    CleanedWritten,

    /// <summary>Renamed to <c>.log.swap</c>: the commit point (a crash from here on completes the swap).</summary>
    SwapRenamed,

    /// <summary>The replaced segments' files are renamed <c>.deleted</c>.</summary>
    OldSegmentsRenamed,

    /// <summary><c>.log.swap</c> renamed to <c>.log</c>: the swap is done.</summary>
    SwapCompleted,
}
