namespace Fjord.Broker.Configuration;

/// <summary>
/// The topic-level configs Fjord understands, with Kafka's names, types and defaults. A topic
/// config left unset takes its broker synonym's value. Thread-safe; a static table.
/// </summary>
public static class TopicConfigDefinitions
{
    internal static readonly string[] CleanupPolicies = ["delete", "compact"];
    internal static readonly string[] TimestampTypes = ["CreateTime", "LogAppendTime"];
    internal static readonly string[] CompressionTypes = ["producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"];

    public static IReadOnlyList<ConfigDefinition> All { get; } =
    [
        new("cleanup.policy", ConfigType.List, "delete", "delete, compact, or both", "log.cleanup.policy", AllowedValues: CleanupPolicies),
        new("compression.type", ConfigType.String, "producer", "codec stored on disk; 'producer' keeps what the producer sent", "compression.type", AllowedValues: CompressionTypes),
        new("delete.retention.ms", ConfigType.Long, "86400000", "how long tombstones stay readable in compacted topics", "log.cleaner.delete.retention.ms", Min: 0),
        new("file.delete.delay.ms", ConfigType.Long, "60000", "delay before a deleted segment file is removed", "log.segment.delete.delay.ms", Min: 0),
        new("flush.messages", ConfigType.Long, "9223372036854775807", "fsync after this many messages (default: never; replication provides durability)", "log.flush.interval.messages", Min: 1),
        new("flush.ms", ConfigType.Long, "9223372036854775807", "fsync after this many milliseconds (default: never)", "log.flush.interval.ms", Min: 0),
        new("index.interval.bytes", ConfigType.Int, "4096", "bytes between offset index entries", "log.index.interval.bytes", Min: 0),
        new("follower.replication.throttled.replicas", ConfigType.List, "", "replicas (partition:broker,... or *) whose out-of-sync follower fetches are limited by follower.replication.throttled.rate"),
        new("leader.replication.throttled.replicas", ConfigType.List, "", "replicas (partition:broker,... or *) whose leader limits what it sends out-of-sync followers to leader.replication.throttled.rate"),
        new("max.message.bytes", ConfigType.Int, "1048588", "largest record batch the topic accepts", "message.max.bytes", Min: 0),
        new("message.timestamp.type", ConfigType.String, "CreateTime", "CreateTime or LogAppendTime", "log.message.timestamp.type", AllowedValues: TimestampTypes),
        new("min.cleanable.dirty.ratio", ConfigType.Double, "0.5", "dirty fraction that makes a compacted log eligible for cleaning", "log.cleaner.min.cleanable.ratio", Min: 0, Max: 1),
        new("min.compaction.lag.ms", ConfigType.Long, "0", "minimum age of a record before compaction may remove it", "log.cleaner.min.compaction.lag.ms", Min: 0),
        new("min.insync.replicas", ConfigType.Int, "1", "replicas that must acknowledge an acks=all write", "min.insync.replicas", Min: 1),
        new("retention.bytes", ConfigType.Long, "-1", "size per partition above which old segments are deleted (-1: no limit)", "log.retention.bytes"),
        new("retention.ms", ConfigType.Long, "604800000", "age after which old segments are deleted (-1: forever)", "log.retention.ms", Min: -1),
        new("segment.bytes", ConfigType.Int, "1073741824", "segment file size at which a new segment starts", "log.segment.bytes", Min: 14),
        new("segment.index.bytes", ConfigType.Int, "10485760", "offset index size at which a new segment starts", "log.index.size.max.bytes", Min: 4),
        new("segment.ms", ConfigType.Long, "604800000", "segment age at which a new segment starts", "log.roll.ms", Min: 1),
        new("unclean.leader.election.enable", ConfigType.Boolean, "false", "allow an out-of-sync replica to become leader", "unclean.leader.election.enable"),
    ];

    private static readonly Dictionary<string, ConfigDefinition> s_byName = All.ToDictionary(d => d.Name, StringComparer.Ordinal);

    public static bool TryGet(string name, out ConfigDefinition definition) => s_byName.TryGetValue(name, out definition!);
}
