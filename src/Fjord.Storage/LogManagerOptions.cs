using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fjord.Storage;

/// <summary>Settings of a <see cref="LogManager"/>; every member has a default. Immutable once passed.</summary>
public sealed record LogManagerOptions
{
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>How many idle segment file handles stay open across all partitions.</summary>
    public int OpenFileHandleLimit { get; init; } = 1024;

    /// <summary>The config of a topic whose logs are found at startup; <see cref="LogManager.DefaultConfig"/> when null.</summary>
    public Func<string, LogConfig>? TopicConfig { get; init; }

    /// <summary>
    /// Period of the background pass (retention, <c>flush.ms</c>, delayed file deletion, checkpoints);
    /// Kafka splits this into <c>log.retention.check.interval.ms</c> and friends. Zero or less: no
    /// background pass (tests call <see cref="LogManager.RunMaintenance"/>).
    /// </summary>
    public TimeSpan MaintenanceInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>See <see cref="PartitionLogOptions.AdvanceHighWatermarkOnAppend"/>; true for a partition with one replica.</summary>
    public bool AdvanceHighWatermarkOnAppend { get; init; } = true;

    /// <summary>Kafka's <c>producer.id.expiration.ms</c>.</summary>
    public long ProducerIdExpirationMs { get; init; } = 24L * 60 * 60 * 1000;

    /// <summary>
    /// Kafka's <c>log.cleaner.backoff.ms</c>: the period of the compaction loop (default 15 s). Zero or
    /// less: no background loop (tests call <see cref="LogManager.RunCleaner"/>).
    /// </summary>
    public TimeSpan CleanerBackoff { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How many distinct keys one cleaning indexes (Kafka sizes this by <c>log.cleaner.dedupe.buffer.size</c>).</summary>
    public int CleanerMaxKeysPerPass { get; init; } = 4 * 1024 * 1024;
}
