namespace Fjord.Coordinator.Groups;

/// <summary>
/// The broker configs the group coordinator obeys, with Kafka's names and defaults. Immutable.
/// </summary>
public sealed record GroupCoordinatorConfig
{
    /// <summary><c>offsets.topic.num.partitions</c>: partitions of <c>__consumer_offsets</c>; fixed once the topic exists.</summary>
    public int OffsetsTopicNumPartitions { get; init; } = 50;

    /// <summary><c>group.min.session.timeout.ms</c>.</summary>
    public int GroupMinSessionTimeoutMs { get; init; } = 6_000;

    /// <summary><c>group.max.session.timeout.ms</c>.</summary>
    public int GroupMaxSessionTimeoutMs { get; init; } = 1_800_000;

    /// <summary><c>group.initial.rebalance.delay.ms</c>: how long a new group's first rebalance waits for more members.</summary>
    public int GroupInitialRebalanceDelayMs { get; init; } = 3_000;

    /// <summary><c>group.max.size</c>: members a classic group may have.</summary>
    public int GroupMaxSize { get; init; } = int.MaxValue;

    /// <summary><c>offsets.retention.minutes</c> as milliseconds (default 7 days, KIP-186).</summary>
    public long OffsetsRetentionMs { get; init; } = 7L * 24 * 60 * 60 * 1000;

    /// <summary><c>offsets.retention.check.interval.ms</c>: how often expired offsets are looked for.</summary>
    public long OffsetsRetentionCheckIntervalMs { get; init; } = 600_000;

    /// <summary><c>offset.metadata.max.bytes</c>: longest metadata string a commit may carry.</summary>
    public int OffsetMetadataMaxBytes { get; init; } = 4096;

    /// <summary>
    /// How long a member that joined but has not yet received its first JoinGroup response may wait
    /// before it is dropped (Kafka's fixed 5 minutes; KIP-394 keeps ghosts from blocking rebalances).
    /// </summary>
    public int NewMemberJoinTimeoutMs { get; init; } = 300_000;

    /// <summary>group.consumer.heartbeat.interval.ms: how often KIP-848 members heartbeat.</summary>
    public int ConsumerGroupHeartbeatIntervalMs { get; init; } = 5_000;

    /// <summary>group.consumer.session.timeout.ms: a KIP-848 member silent this long is fenced.</summary>
    public int ConsumerGroupSessionTimeoutMs { get; init; } = 45_000;

    /// <summary>group.consumer.min.session.timeout.ms: the smallest session timeout a group config may set.</summary>
    public int ConsumerGroupMinSessionTimeoutMs { get; init; } = 45_000;

    /// <summary>group.consumer.max.session.timeout.ms: the largest session timeout a group config may set.</summary>
    public int ConsumerGroupMaxSessionTimeoutMs { get; init; } = 60_000;

    /// <summary>group.consumer.min.heartbeat.interval.ms: the shortest heartbeat interval a group config may set.</summary>
    public int ConsumerGroupMinHeartbeatIntervalMs { get; init; } = 5_000;

    /// <summary>group.consumer.max.heartbeat.interval.ms: the longest heartbeat interval a group config may set.</summary>
    public int ConsumerGroupMaxHeartbeatIntervalMs { get; init; } = 15_000;

    /// <summary>The broker-wide KIP-848 timeouts, which a group's own configs override.</summary>
    public ConsumerGroupTimeouts ConsumerGroupDefaultTimeouts => new(ConsumerGroupSessionTimeoutMs, ConsumerGroupHeartbeatIntervalMs);

    /// <summary>The rebalance timeout of a KIP-848 member that never declared one (clients always do).</summary>
    public int ConsumerGroupDefaultRebalanceTimeoutMs { get; init; } = 300_000;

    /// <summary>group.consumer.assignors: the server-side assignors, the first being the default.</summary>
    public IReadOnlyList<string> ConsumerGroupAssignors { get; init; } = ["uniform", "range"];

    /// <summary>group.consumer.migration.policy: Kafka 4.x's default converts groups both ways.</summary>
    public ConsumerGroups.ConsumerGroupMigrationPolicy ConsumerGroupMigrationPolicy { get; init; } = ConsumerGroups.ConsumerGroupMigrationPolicy.Bidirectional;

    public bool IsUpgradeEnabled => ConsumerGroupMigrationPolicy is ConsumerGroups.ConsumerGroupMigrationPolicy.Upgrade or ConsumerGroups.ConsumerGroupMigrationPolicy.Bidirectional;

    public bool IsDowngradeEnabled => ConsumerGroupMigrationPolicy is ConsumerGroups.ConsumerGroupMigrationPolicy.Downgrade or ConsumerGroups.ConsumerGroupMigrationPolicy.Bidirectional;
}
