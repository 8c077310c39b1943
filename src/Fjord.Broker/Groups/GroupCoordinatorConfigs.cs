using System.Globalization;
using Fjord.Broker.Configuration;
using Fjord.Coordinator.Groups;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Groups;

/// <summary>
/// Builds the coordinator's settings from the broker configs (Kafka's names). Keys the broker does
/// not define yet fall back to Kafka's defaults. Thread-safe: static, no state.
/// </summary>
public static class GroupCoordinatorConfigs
{
    public static GroupCoordinatorConfig FromBrokerConfig(BrokerConfig config)
    {
        var defaults = new GroupCoordinatorConfig();
        return new GroupCoordinatorConfig
        {
            OffsetsTopicNumPartitions = Int(config, "offsets.topic.num.partitions", defaults.OffsetsTopicNumPartitions),
            GroupInitialRebalanceDelayMs = Int(config, "group.initial.rebalance.delay.ms", defaults.GroupInitialRebalanceDelayMs),
            GroupMinSessionTimeoutMs = Int(config, "group.min.session.timeout.ms", defaults.GroupMinSessionTimeoutMs),
            GroupMaxSessionTimeoutMs = Int(config, "group.max.session.timeout.ms", defaults.GroupMaxSessionTimeoutMs),
            GroupMaxSize = Int(config, "group.max.size", defaults.GroupMaxSize),
            OffsetsRetentionMs = Long(config, "offsets.retention.minutes", defaults.OffsetsRetentionMs / 60_000) * 60_000,
            OffsetsRetentionCheckIntervalMs = Long(config, "offsets.retention.check.interval.ms", defaults.OffsetsRetentionCheckIntervalMs),
            OffsetMetadataMaxBytes = Int(config, "offset.metadata.max.bytes", defaults.OffsetMetadataMaxBytes),
            ConsumerGroupHeartbeatIntervalMs = Int(config, "group.consumer.heartbeat.interval.ms", defaults.ConsumerGroupHeartbeatIntervalMs),
            ConsumerGroupSessionTimeoutMs = Int(config, "group.consumer.session.timeout.ms", defaults.ConsumerGroupSessionTimeoutMs),
            ConsumerGroupMinSessionTimeoutMs = Int(config, "group.consumer.min.session.timeout.ms", defaults.ConsumerGroupMinSessionTimeoutMs),
            ConsumerGroupMaxSessionTimeoutMs = Int(config, "group.consumer.max.session.timeout.ms", defaults.ConsumerGroupMaxSessionTimeoutMs),
            ConsumerGroupMinHeartbeatIntervalMs = Int(config, "group.consumer.min.heartbeat.interval.ms", defaults.ConsumerGroupMinHeartbeatIntervalMs),
            ConsumerGroupMaxHeartbeatIntervalMs = Int(config, "group.consumer.max.heartbeat.interval.ms", defaults.ConsumerGroupMaxHeartbeatIntervalMs),
            ConsumerGroupAssignors = config.TryGetValue("group.consumer.assignors", out var assignors)
                ? assignors.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : defaults.ConsumerGroupAssignors,
            ConsumerGroupMigrationPolicy = config.TryGetValue("group.consumer.migration.policy", out var policy)
                ? Enum.Parse<Coordinator.ConsumerGroups.ConsumerGroupMigrationPolicy>(policy.Trim(), ignoreCase: true)
                : defaults.ConsumerGroupMigrationPolicy,
        };
    }

    /// <summary>
    /// group.coordinator.rebalance.protocols (Kafka's name): the KIP-848 protocol is served (and its APIs
    /// advertised) only when the list holds <c>consumer</c>; the classic protocol is always served.
    /// </summary>
    public static bool ConsumerProtocolEnabled(BrokerConfig config) =>
        !config.TryGetValue("group.coordinator.rebalance.protocols", out var protocols)
        || protocols.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Contains("consumer", StringComparer.OrdinalIgnoreCase);

    private static int Int(BrokerConfig config, string key, int fallback) =>
        config.TryGetValue(key, out var value) && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : fallback;

    private static long Long(BrokerConfig config, string key, long fallback) =>
        config.TryGetValue(key, out var value) && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : fallback;
}
