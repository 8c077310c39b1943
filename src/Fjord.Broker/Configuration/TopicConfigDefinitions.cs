namespace Fjord.Broker.Configuration;

/// <summary>
/// The topic-level configs Fjord understands: Kafka 4.x's topic config list, with Kafka's names, types, defaults and
/// ranges. A topic config left unset takes its broker synonym's value. Kafka 4.0 removed
/// <c>message.format.version</c>, <c>message.timestamp.difference.max.ms</c> and <c>message.downconversion.enable</c>;
/// like Kafka 4, Fjord refuses them as unknown names (INVALID_CONFIG). Thread-safe; a static table.
/// </summary>
public static class TopicConfigDefinitions
{
    internal static readonly string[] CleanupPolicies = ["delete", "compact"];
    internal static readonly string[] TimestampTypes = ["CreateTime", "LogAppendTime"];
    internal static readonly string[] CompressionTypes = ["producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"];

    /// <summary>Kafka 4.0's default (KIP-1030): a record at most one hour ahead of the broker's clock.</summary>
    internal const string TimestampAfterMaxMsDefault = "3600000";

    private const string LongMax = "9223372036854775807";

    /// <summary>Fjord has no tiered storage; Kafka answers the same when the broker's remote log system is off.</summary>
    private const string TieredStorageDisabled = "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.";

    private static readonly string[] s_false = ["false"];

    public static IReadOnlyList<ConfigDefinition> All { get; } =
    [
        new("cleanup.policy", ConfigType.List, "delete", "delete, compact, or both", "log.cleanup.policy", AllowedValues: CleanupPolicies),
        new("compression.gzip.level", ConfigType.Int, "-1", "gzip level for compression.type=gzip (-1: the codec's default); Fjord stores batches as the producer compressed them, so it applies only once the broker recompresses", "compression.gzip.level", Min: -1, Max: 9),
        new("compression.lz4.level", ConfigType.Int, "9", "lz4 level for compression.type=lz4; see compression.gzip.level", "compression.lz4.level", Min: 1, Max: 17),
        new("compression.type", ConfigType.String, "producer", "codec stored on disk; 'producer' keeps what the producer sent", "compression.type", AllowedValues: CompressionTypes),
        new("compression.zstd.level", ConfigType.Int, "3", "zstd level for compression.type=zstd; see compression.gzip.level", "compression.zstd.level", Min: -131072, Max: 22),
        new("delete.retention.ms", ConfigType.Long, "86400000", "how long tombstones stay readable in compacted topics", "log.cleaner.delete.retention.ms", Min: 0),
        new("file.delete.delay.ms", ConfigType.Long, "60000", "delay before a deleted segment file is removed", "log.segment.delete.delay.ms", Min: 0),
        new("flush.messages", ConfigType.Long, LongMax, "fsync after this many messages (default: never; replication provides durability)", "log.flush.interval.messages", Min: 1),
        new("flush.ms", ConfigType.Long, LongMax, "fsync after this many milliseconds (default: never)", "log.flush.interval.ms", Min: 0),
        new("follower.replication.throttled.replicas", ConfigType.List, "", "replicas (partition:broker,... or *) whose out-of-sync follower fetches are limited by follower.replication.throttled.rate"),
        new("index.interval.bytes", ConfigType.Int, "4096", "bytes between offset index entries", "log.index.interval.bytes", Min: 0),
        new("leader.replication.throttled.replicas", ConfigType.List, "", "replicas (partition:broker,... or *) whose leader limits what it sends out-of-sync followers to leader.replication.throttled.rate"),
        new("local.retention.bytes", ConfigType.Long, "-2", "local size limit with tiered storage (-2: retention.bytes); without tiered storage the whole log is local and retention.bytes governs", "log.local.retention.bytes", Min: -2),
        new("local.retention.ms", ConfigType.Long, "-2", "local age limit with tiered storage (-2: retention.ms); without tiered storage the whole log is local and retention.ms governs", "log.local.retention.ms", Min: -2),
        new("max.compaction.lag.ms", ConfigType.Long, LongMax, "longest a record may stay uncompacted (KIP-354): a compacted log whose oldest dirty record is older is cleaned whatever its dirty ratio, and its active segment rolls at this age", "log.cleaner.max.compaction.lag.ms", Min: 1),
        new("max.message.bytes", ConfigType.Int, "1048588", "largest record batch the topic accepts", "message.max.bytes", Min: 0),
        new("message.timestamp.after.max.ms", ConfigType.Long, TimestampAfterMaxMsDefault, "with CreateTime, the most a record's timestamp may be ahead of the broker's clock; later records are refused with INVALID_TIMESTAMP (KIP-937)", "log.message.timestamp.after.max.ms", Min: 0),
        new("message.timestamp.before.max.ms", ConfigType.Long, LongMax, "with CreateTime, the most a record's timestamp may be behind the broker's clock; older records are refused with INVALID_TIMESTAMP (KIP-937)", "log.message.timestamp.before.max.ms", Min: 0),
        new("message.timestamp.type", ConfigType.String, "CreateTime", "CreateTime or LogAppendTime", "log.message.timestamp.type", AllowedValues: TimestampTypes),
        new("min.cleanable.dirty.ratio", ConfigType.Double, "0.5", "dirty fraction that makes a compacted log eligible for cleaning", "log.cleaner.min.cleanable.ratio", Min: 0, Max: 1),
        new("min.compaction.lag.ms", ConfigType.Long, "0", "minimum age of a record before compaction may remove it", "log.cleaner.min.compaction.lag.ms", Min: 0),
        new("min.insync.replicas", ConfigType.Int, "1", "replicas that must acknowledge an acks=all write", "min.insync.replicas", Min: 1),
        new("preallocate", ConfigType.Boolean, "false", "reserve segment.bytes of disk for a new segment file when it is created (the file's length still grows with its data)", "log.preallocate"),
        new("remote.log.copy.disable", ConfigType.Boolean, "false", "stop copying segments to tiered storage (Fjord has none)"),
        new("remote.log.delete.on.disable", ConfigType.Boolean, "false", "delete tiered segments when remote storage is turned off (Fjord has none)"),
        new("remote.storage.enable", ConfigType.Boolean, "false", "tiered storage for this topic; Fjord has none, so only false is accepted", AllowedValues: s_false, Refusal: TieredStorageDisabled),
        new("retention.bytes", ConfigType.Long, "-1", "size per partition above which old segments are deleted (-1: no limit)", "log.retention.bytes"),
        new("retention.ms", ConfigType.Long, "604800000", "age after which old segments are deleted (-1: forever)", "log.retention.ms", Min: -1),
        new("segment.bytes", ConfigType.Int, "1073741824", "segment file size at which a new segment starts", "log.segment.bytes", Min: 14),
        new("segment.index.bytes", ConfigType.Int, "10485760", "offset index size at which a new segment starts", "log.index.size.max.bytes", Min: 4),
        new("segment.jitter.ms", ConfigType.Long, "0", "largest random amount taken off segment.ms, so partitions do not all roll at once", "log.roll.jitter.ms", Min: 0),
        new("segment.ms", ConfigType.Long, "604800000", "segment age at which a new segment starts", "log.roll.ms", Min: 1),
        new("unclean.leader.election.enable", ConfigType.Boolean, "false", "allow an out-of-sync replica to become leader", "unclean.leader.election.enable"),
    ];

    private static readonly Dictionary<string, ConfigDefinition> s_byName = All.ToDictionary(d => d.Name, StringComparer.Ordinal);

    public static bool TryGet(string name, out ConfigDefinition definition) => s_byName.TryGetValue(name, out definition!);
}
