using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fjord.Storage;

/// <summary>
/// What <see cref="PartitionLog.Open"/> needs besides the directory and config: clock, logger, the
/// shared handle cache and the checkpointed positions a <see cref="LogManager"/> passes in. Every
/// member has a standalone default. Immutable once passed.
/// </summary>
public sealed record PartitionLogOptions
{
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Draws each segment's <c>segment.jitter.ms</c> share; tests pass a seeded one.</summary>
    public Random Random { get; init; } = Random.Shared;

    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>The handle cache shared by all logs; a private one (closed with the log) when null.</summary>
    public FileHandleCache? HandleCache { get; init; }

    /// <summary>
    /// The recovery-point checkpoint: offsets below it are known flushed. On a dirty open, segments from
    /// the one containing it are validated (at least the last segment). Null: only the last segment is
    /// validated, because Fjord fsyncs every segment when it rolls.
    /// </summary>
    public long? RecoveryPoint { get; init; }

    /// <summary>True when the data dir had a clean-shutdown marker: no batch validation at open.</summary>
    public bool HadCleanShutdown { get; init; }

    /// <summary>The log-start-offset checkpoint (moved by retention and DeleteRecords).</summary>
    public long? LogStartOffset { get; init; }

    /// <summary>The cleaner-offset checkpoint (first dirty offset of a compacted log); the log start offset when null.</summary>
    public long? CleanerCheckpoint { get; init; }

    /// <summary>The replication-offset (high watermark) checkpoint.</summary>
    public long? HighWatermark { get; init; }

    /// <summary>
    /// One replica: the high watermark follows the log end offset after every append. The
    /// replication layer turns this off for replicated partitions and advances it with <see cref="PartitionLog.UpdateHighWatermark"/>.
    /// </summary>
    public bool AdvanceHighWatermarkOnAppend { get; init; } = true;

    /// <summary>Kafka's <c>producer.id.expiration.ms</c> (default one day).</summary>
    public long ProducerIdExpirationMs { get; init; } = 24L * 60 * 60 * 1000;
}
