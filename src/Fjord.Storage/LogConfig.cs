using System.Globalization;

namespace Fjord.Storage;

/// <summary>
/// The per-topic log settings, with Kafka's topic-config names and defaults (each property names its
/// key). Immutable; safe to share between threads. A changed config is a new instance handed to
/// <see cref="PartitionLog.UpdateConfig"/>. Build one from properties with <see cref="FromProperties"/>.
/// </summary>
public sealed record LogConfig
{
    public const string SegmentBytesName = "segment.bytes";
    public const string SegmentMsName = "segment.ms";
    public const string SegmentJitterMsName = "segment.jitter.ms";
    public const string IndexIntervalBytesName = "index.interval.bytes";
    public const string SegmentIndexBytesName = "segment.index.bytes";
    public const string RetentionMsName = "retention.ms";
    public const string RetentionBytesName = "retention.bytes";
    public const string FlushMessagesName = "flush.messages";
    public const string FlushMsName = "flush.ms";
    public const string CleanupPolicyName = "cleanup.policy";
    public const string MessageTimestampTypeName = "message.timestamp.type";
    public const string MessageTimestampBeforeMaxMsName = "message.timestamp.before.max.ms";
    public const string MessageTimestampAfterMaxMsName = "message.timestamp.after.max.ms";
    public const string MaxMessageBytesName = "max.message.bytes";
    public const string FileDeleteDelayMsName = "file.delete.delay.ms";
    public const string DeleteRetentionMsName = "delete.retention.ms";
    public const string MinCleanableDirtyRatioName = "min.cleanable.dirty.ratio";
    public const string MinCompactionLagMsName = "min.compaction.lag.ms";
    public const string MaxCompactionLagMsName = "max.compaction.lag.ms";
    public const string PreallocateName = "preallocate";
    public const string MinInSyncReplicasName = "min.insync.replicas";
    public const string CompressionTypeName = "compression.type";
    public const string LeaderReplicationThrottledReplicasName = "leader.replication.throttled.replicas";
    public const string FollowerReplicationThrottledReplicasName = "follower.replication.throttled.replicas";

    /// <summary>Kafka's defaults (the values a topic gets when neither it nor the broker overrides them).</summary>
    public static LogConfig Default { get; } = new();

    /// <summary><c>segment.bytes</c>: the size at which the active segment rolls. Default 1 GiB.</summary>
    public int SegmentBytes { get; init; } = 1024 * 1024 * 1024;

    /// <summary><c>segment.ms</c>: the age (from its first batch) at which the active segment rolls even if not full. Default 7 days.</summary>
    public long SegmentMs { get; init; } = 7L * 24 * 60 * 60 * 1000;

    /// <summary><c>segment.jitter.ms</c>: accepted for compatibility; Fjord rolls at exactly <see cref="SegmentMs"/>. Default 0.</summary>
    public long SegmentJitterMs { get; init; }

    /// <summary><c>index.interval.bytes</c>: bytes of batches between two sparse offset-index entries. Default 4096.</summary>
    public int IndexIntervalBytes { get; init; } = 4096;

    /// <summary><c>segment.index.bytes</c>: the maximum size of a segment's offset index; a full index rolls the segment. Default 10 MiB.</summary>
    public int SegmentIndexBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary><c>retention.ms</c>: closed segments whose newest timestamp is older are deleted; -1 keeps forever. Default 7 days.</summary>
    public long RetentionMs { get; init; } = 7L * 24 * 60 * 60 * 1000;

    /// <summary><c>retention.bytes</c>: oldest segments are deleted while the log is larger; -1 means no limit. Default -1.</summary>
    public long RetentionBytes { get; init; } = -1;

    /// <summary><c>flush.messages</c>: fsync after this many appended records. Default <see cref="long.MaxValue"/> (never; replication gives durability).</summary>
    public long FlushMessages { get; init; } = long.MaxValue;

    /// <summary><c>flush.ms</c>: fsync when the oldest unflushed append is this old. Default <see cref="long.MaxValue"/> (never).</summary>
    public long FlushMs { get; init; } = long.MaxValue;

    /// <summary><c>cleanup.policy</c>: <c>delete</c>, <c>compact</c> or <c>compact,delete</c>. Default delete.</summary>
    public CleanupPolicy CleanupPolicy { get; init; } = CleanupPolicy.Delete;

    /// <summary><c>message.timestamp.type</c>: CreateTime or LogAppendTime. Default CreateTime.</summary>
    public MessageTimestampType MessageTimestampType { get; init; } = MessageTimestampType.CreateTime;

    /// <summary><c>message.timestamp.before.max.ms</c>: how far in the past a CreateTime timestamp may be. Default unlimited.</summary>
    public long MessageTimestampBeforeMaxMs { get; init; } = long.MaxValue;

    /// <summary><c>message.timestamp.after.max.ms</c>: how far in the future a CreateTime timestamp may be. Default unlimited.</summary>
    public long MessageTimestampAfterMaxMs { get; init; } = long.MaxValue;

    /// <summary><c>max.message.bytes</c>: the largest record batch (after compression, with its log overhead) accepted. Default 1048588.</summary>
    public int MaxMessageBytes { get; init; } = 1024 * 1024 + 12;

    /// <summary><c>file.delete.delay.ms</c>: how long a deleted segment's files stay (renamed <c>.deleted</c>) so in-flight reads finish. Default 60 s.</summary>
    public long FileDeleteDelayMs { get; init; } = 60_000;

    /// <summary><c>delete.retention.ms</c>: how long compaction keeps tombstones. Default 1 day.</summary>
    public long DeleteRetentionMs { get; init; } = 24L * 60 * 60 * 1000;

    /// <summary><c>min.cleanable.dirty.ratio</c>: the dirty fraction above which the cleaner compacts the log. Default 0.5.</summary>
    public double MinCleanableDirtyRatio { get; init; } = 0.5;

    /// <summary><c>min.compaction.lag.ms</c>: records younger than this are never compacted. Default 0.</summary>
    public long MinCompactionLagMs { get; init; }

    /// <summary><c>max.compaction.lag.ms</c>: records older than this make the log eligible for compaction. Default unlimited.</summary>
    public long MaxCompactionLagMs { get; init; } = long.MaxValue;

    /// <summary><c>min.insync.replicas</c>: used by the replication layer for acks=all; stored here with the topic's other configs. Default 1.</summary>
    public int MinInSyncReplicas { get; init; } = 1;

    /// <summary>
    /// <c>preallocate</c>: reserve <see cref="SegmentBytes"/> of disk blocks for each new segment file (fallocate with
    /// KEEP_SIZE), so appends do not fail half-way for lack of space and the file is less fragmented. The file's length
    /// still grows with its data, so recovery and readers see no zero tail. Default false.
    /// </summary>
    public bool Preallocate { get; init; }

    /// <summary>
    /// Kafka's LogConfig.maxSegmentMs: a compacted log rolls its active segment at <see cref="MaxCompactionLagMs"/> when
    /// that is shorter than <see cref="SegmentMs"/>, because the cleaner never touches the active segment and KIP-354
    /// promises that no record stays uncompacted longer than the lag.
    /// </summary>
    public long MaxSegmentMs => (CleanupPolicy & CleanupPolicy.Compact) != 0 ? Math.Min(SegmentMs, MaxCompactionLagMs) : SegmentMs;

    /// <summary><c>compression.type</c>: <c>producer</c> (keep what the producer sent), <c>uncompressed</c>, <c>gzip</c>, <c>snappy</c>, <c>lz4</c> or <c>zstd</c>. Default producer.</summary>
    public string CompressionType { get; init; } = "producer";

    /// <summary>
    /// <c>leader.replication.throttled.replicas</c> (KIP-73): replicas whose leader, when it is the listed broker, sends
    /// out-of-sync followers no more than <c>leader.replication.throttled.rate</c>. Default none.
    /// </summary>
    public ThrottledReplicaList LeaderReplicationThrottledReplicas { get; init; } = ThrottledReplicaList.None;

    /// <summary>
    /// <c>follower.replication.throttled.replicas</c> (KIP-73): replicas that, on the listed broker and while out of sync,
    /// fetch no more than <c>follower.replication.throttled.rate</c>. Default none.
    /// </summary>
    public ThrottledReplicaList FollowerReplicationThrottledReplicas { get; init; } = ThrottledReplicaList.None;

    /// <summary>The number of entries the offset index of one segment may hold (8 bytes each).</summary>
    internal int MaxOffsetIndexEntries => Math.Max(1, SegmentIndexBytes / Segments.OffsetIndex.EntrySize);

    /// <summary>The number of entries the time index of one segment may hold (12 bytes each).</summary>
    internal int MaxTimeIndexEntries => Math.Max(1, SegmentIndexBytes / Segments.TimeIndex.EntrySize);

    /// <summary>
    /// Topic config names Kafka knows that Fjord accepts and reports but whose behaviour lives elsewhere
    /// or is not implemented; accepting them keeps Kafka tools (which send them) working.
    /// </summary>
    private static readonly HashSet<string> s_passThroughNames = new(StringComparer.Ordinal)
    {
        "unclean.leader.election.enable",
        "compression.gzip.level",
        "compression.lz4.level",
        "compression.zstd.level",
        "remote.storage.enable",
        "remote.log.copy.disable",
        "remote.log.delete.on.disable",
        "local.retention.ms",
        "local.retention.bytes",
    };

    private static readonly HashSet<string> s_compressionTypes = new(StringComparer.Ordinal)
    {
        "producer", "uncompressed", "gzip", "snappy", "lz4", "zstd",
    };

    /// <summary>True when <paramref name="name"/> is a topic-level config name <see cref="FromProperties"/> accepts.</summary>
    public static bool IsKnownName(string name) => s_passThroughNames.Contains(name) || name switch
    {
        SegmentBytesName or SegmentMsName or SegmentJitterMsName or IndexIntervalBytesName or SegmentIndexBytesName
            or RetentionMsName or RetentionBytesName or FlushMessagesName or FlushMsName or CleanupPolicyName
            or MessageTimestampTypeName or MessageTimestampBeforeMaxMsName or MessageTimestampAfterMaxMsName
            or MaxMessageBytesName or FileDeleteDelayMsName or DeleteRetentionMsName or MinCleanableDirtyRatioName
            or MinCompactionLagMsName or MaxCompactionLagMsName or MinInSyncReplicasName or CompressionTypeName
            or LeaderReplicationThrottledReplicasName or FollowerReplicationThrottledReplicasName or PreallocateName => true,
        _ => false,
    };

    /// <summary>
    /// Builds a config from Kafka-named properties laid over <paramref name="defaults"/> (the broker's
    /// <c>log.*</c> defaults; Kafka's own defaults when null). Values are parsed and range-checked as
    /// Kafka's ConfigDef does.
    /// </summary>
    /// <exception cref="LogConfigException">An unknown name or a bad value; <see cref="LogConfigException.Key"/> says which.</exception>
    public static LogConfig FromProperties(IReadOnlyDictionary<string, string> properties, LogConfig? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var config = defaults ?? Default;
        foreach (var (key, value) in properties)
        {
            config = key switch
            {
                SegmentBytesName => config with { SegmentBytes = ParseInt(key, value, min: 14) },
                SegmentMsName => config with { SegmentMs = ParseLong(key, value, min: 1) },
                SegmentJitterMsName => config with { SegmentJitterMs = ParseLong(key, value, min: 0) },
                IndexIntervalBytesName => config with { IndexIntervalBytes = ParseInt(key, value, min: 0) },
                SegmentIndexBytesName => config with { SegmentIndexBytes = ParseInt(key, value, min: Segments.TimeIndex.EntrySize) },
                RetentionMsName => config with { RetentionMs = ParseLong(key, value, min: -1) },
                RetentionBytesName => config with { RetentionBytes = ParseLong(key, value, min: -1) },
                FlushMessagesName => config with { FlushMessages = ParseLong(key, value, min: 1) },
                FlushMsName => config with { FlushMs = ParseLong(key, value, min: 0) },
                CleanupPolicyName => config with { CleanupPolicy = ParseCleanupPolicy(key, value) },
                MessageTimestampTypeName => config with { MessageTimestampType = ParseTimestampType(key, value) },
                MessageTimestampBeforeMaxMsName => config with { MessageTimestampBeforeMaxMs = ParseLong(key, value, min: 0) },
                MessageTimestampAfterMaxMsName => config with { MessageTimestampAfterMaxMs = ParseLong(key, value, min: 0) },
                MaxMessageBytesName => config with { MaxMessageBytes = ParseInt(key, value, min: 0) },
                FileDeleteDelayMsName => config with { FileDeleteDelayMs = ParseLong(key, value, min: 0) },
                DeleteRetentionMsName => config with { DeleteRetentionMs = ParseLong(key, value, min: 0) },
                MinCleanableDirtyRatioName => config with { MinCleanableDirtyRatio = ParseRatio(key, value) },
                MinCompactionLagMsName => config with { MinCompactionLagMs = ParseLong(key, value, min: 0) },
                MaxCompactionLagMsName => config with { MaxCompactionLagMs = ParseLong(key, value, min: 1) },
                MinInSyncReplicasName => config with { MinInSyncReplicas = ParseInt(key, value, min: 1) },
                PreallocateName => config with { Preallocate = ParseBool(key, value) },
                CompressionTypeName => config with { CompressionType = ParseCompressionType(key, value) },
                LeaderReplicationThrottledReplicasName => config with { LeaderReplicationThrottledReplicas = ThrottledReplicaList.Parse(key, value) },
                FollowerReplicationThrottledReplicasName => config with { FollowerReplicationThrottledReplicas = ThrottledReplicaList.Parse(key, value) },
                _ when s_passThroughNames.Contains(key) => config,
                _ => throw new LogConfigException(key, $"Unknown topic config name: {key}"),
            };
        }
        return config;
    }

    /// <summary>
    /// This config as Kafka-named properties with their string values (for DescribeConfigs and for
    /// persisting topic configs). Round-trips through <see cref="FromProperties"/>.
    /// </summary>
    public IReadOnlyDictionary<string, string> ToProperties()
    {
        var c = CultureInfo.InvariantCulture;
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SegmentBytesName] = SegmentBytes.ToString(c),
            [SegmentMsName] = SegmentMs.ToString(c),
            [SegmentJitterMsName] = SegmentJitterMs.ToString(c),
            [IndexIntervalBytesName] = IndexIntervalBytes.ToString(c),
            [SegmentIndexBytesName] = SegmentIndexBytes.ToString(c),
            [RetentionMsName] = RetentionMs.ToString(c),
            [RetentionBytesName] = RetentionBytes.ToString(c),
            [FlushMessagesName] = FlushMessages.ToString(c),
            [FlushMsName] = FlushMs.ToString(c),
            [CleanupPolicyName] = CleanupPolicy switch
            {
                CleanupPolicy.Compact => "compact",
                CleanupPolicy.Compact | CleanupPolicy.Delete => "compact,delete",
                _ => "delete",
            },
            [MessageTimestampTypeName] = MessageTimestampType == MessageTimestampType.LogAppendTime ? "LogAppendTime" : "CreateTime",
            [MessageTimestampBeforeMaxMsName] = MessageTimestampBeforeMaxMs.ToString(c),
            [MessageTimestampAfterMaxMsName] = MessageTimestampAfterMaxMs.ToString(c),
            [MaxMessageBytesName] = MaxMessageBytes.ToString(c),
            [FileDeleteDelayMsName] = FileDeleteDelayMs.ToString(c),
            [DeleteRetentionMsName] = DeleteRetentionMs.ToString(c),
            [MinCleanableDirtyRatioName] = MinCleanableDirtyRatio.ToString("R", c),
            [MinCompactionLagMsName] = MinCompactionLagMs.ToString(c),
            [MaxCompactionLagMsName] = MaxCompactionLagMs.ToString(c),
            [MinInSyncReplicasName] = MinInSyncReplicas.ToString(c),
            [PreallocateName] = Preallocate ? "true" : "false",
            [CompressionTypeName] = CompressionType,
            [LeaderReplicationThrottledReplicasName] = LeaderReplicationThrottledReplicas.Value,
            [FollowerReplicationThrottledReplicasName] = FollowerReplicationThrottledReplicas.Value,
        };
    }

    private static int ParseInt(string key, string value, int min)
    {
        if (!int.TryParse(value.AsSpan().Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int result))
            throw new LogConfigException(key, $"Invalid value {value} for configuration {key}: not a 32-bit integer");
        if (result < min)
            throw new LogConfigException(key, $"Invalid value {value} for configuration {key}: value must be at least {min}");
        return result;
    }

    private static long ParseLong(string key, string value, long min)
    {
        if (!long.TryParse(value.AsSpan().Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long result))
            throw new LogConfigException(key, $"Invalid value {value} for configuration {key}: not a 64-bit integer");
        if (result < min)
            throw new LogConfigException(key, $"Invalid value {value} for configuration {key}: value must be at least {min}");
        return result;
    }

    private static bool ParseBool(string key, string value) => value.Trim() switch
    {
        "true" => true,
        "false" => false,
        _ => throw new LogConfigException(key, $"Invalid value {value} for configuration {key}: Expected value to be either true or false"),
    };

    private static double ParseRatio(string key, string value)
    {
        if (!double.TryParse(value.AsSpan().Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double result) || double.IsNaN(result))
            throw new LogConfigException(key, $"Invalid value {value} for configuration {key}: not a number");
        if (result is < 0 or > 1)
            throw new LogConfigException(key, $"Invalid value {value} for configuration {key}: value must be between 0 and 1");
        return result;
    }

    private static CleanupPolicy ParseCleanupPolicy(string key, string value)
    {
        CleanupPolicy policy = 0;
        foreach (var range in value.AsSpan().Split(','))
        {
            var part = value.AsSpan()[range].Trim();
            if (part.Equals("delete", StringComparison.OrdinalIgnoreCase))
                policy |= CleanupPolicy.Delete;
            else if (part.Equals("compact", StringComparison.OrdinalIgnoreCase))
                policy |= CleanupPolicy.Compact;
            else
                throw new LogConfigException(key, $"Invalid value {value} for configuration {key}: String must be one of: compact, delete");
        }
        if (policy == 0)
            throw new LogConfigException(key, $"Invalid value {value} for configuration {key}: at least one of compact, delete is required");
        return policy;
    }

    private static MessageTimestampType ParseTimestampType(string key, string value)
    {
        var v = value.AsSpan().Trim();
        if (v.Equals("CreateTime", StringComparison.OrdinalIgnoreCase))
            return MessageTimestampType.CreateTime;
        if (v.Equals("LogAppendTime", StringComparison.OrdinalIgnoreCase))
            return MessageTimestampType.LogAppendTime;
        throw new LogConfigException(key, $"Invalid value {value} for configuration {key}: String must be one of: CreateTime, LogAppendTime");
    }

    private static string ParseCompressionType(string key, string value)
    {
        var v = value.Trim().ToLowerInvariant();
        if (!s_compressionTypes.Contains(v))
            throw new LogConfigException(key, $"Invalid value {value} for configuration {key}: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer");
        return v;
    }
}
