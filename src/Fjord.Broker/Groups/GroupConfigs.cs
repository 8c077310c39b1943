using System.Globalization;
using Fjord.Broker.Configuration;
using Fjord.Coordinator.Groups;

namespace Fjord.Broker.Groups;

/// <summary>
/// The configs of a GROUP config resource (resource type 32; Kafka 4.0's GroupConfig, KIP-848), stored per group id as
/// ConfigRecords in the metadata log like topic configs:
/// - <c>consumer.session.timeout.ms</c>: default the broker's <c>group.consumer.session.timeout.ms</c>, within
///   <c>group.consumer.min/max.session.timeout.ms</c>.
/// - <c>consumer.heartbeat.interval.ms</c>: default the broker's <c>group.consumer.heartbeat.interval.ms</c>, within
///   <c>group.consumer.min/max.heartbeat.interval.ms</c>, and below the session timeout.
/// Kafka 4.0 also defines <c>share.*</c> group configs; Fjord has no share groups, so they are unknown names here.
/// Messages are Kafka's. Stateless; safe on any thread.
/// </summary>
public static class GroupConfigs
{
    public const string ConsumerSessionTimeoutMs = "consumer.session.timeout.ms";
    public const string ConsumerHeartbeatIntervalMs = "consumer.heartbeat.interval.ms";

    /// <summary>Every config a GROUP resource accepts, with the broker's values as defaults, as DescribeConfigs lists them.</summary>
    public static IReadOnlyList<ConfigDefinition> All(GroupCoordinatorConfig broker) =>
    [
        new(ConsumerSessionTimeoutMs, ConfigType.Int, Text(broker.ConsumerGroupSessionTimeoutMs),
            "The timeout to detect client failures when using the consumer group protocol.", Min: 1),
        new(ConsumerHeartbeatIntervalMs, ConfigType.Int, Text(broker.ConsumerGroupHeartbeatIntervalMs),
            "The heartbeat interval given to the members of a consumer group.", Min: 1),
    ];

    public static bool TryGet(GroupCoordinatorConfig broker, string name, out ConfigDefinition definition)
    {
        definition = All(broker).FirstOrDefault(d => d.Name == name)!;
        return definition is not null;
    }

    /// <summary>Why <paramref name="value"/> cannot be <paramref name="name"/> of a group, or null: the name and the type.</summary>
    public static string? Validate(GroupCoordinatorConfig broker, string name, string value) =>
        TryGet(broker, name, out var definition) ? definition.Validate(value) : $"Unknown group config name: {name}";

    /// <summary>
    /// Why a group's configs taken together (unset ones at the broker's defaults) are not valid, or null: Kafka's
    /// bounds from the broker's group.consumer.min/max configs, and heartbeat interval below session timeout.
    /// </summary>
    public static string? ValidateTogether(GroupCoordinatorConfig broker, IReadOnlyDictionary<string, string> configs)
    {
        var timeouts = Resolve(broker.ConsumerGroupDefaultTimeouts, configs);
        if (timeouts.HeartbeatIntervalMs < broker.ConsumerGroupMinHeartbeatIntervalMs)
            return $"{ConsumerHeartbeatIntervalMs} must be greater than or equal to group.consumer.min.heartbeat.interval.ms";
        if (timeouts.HeartbeatIntervalMs > broker.ConsumerGroupMaxHeartbeatIntervalMs)
            return $"{ConsumerHeartbeatIntervalMs} must be less than or equal to group.consumer.max.heartbeat.interval.ms";
        if (timeouts.SessionTimeoutMs < broker.ConsumerGroupMinSessionTimeoutMs)
            return $"{ConsumerSessionTimeoutMs} must be greater than or equal to group.consumer.min.session.timeout.ms";
        if (timeouts.SessionTimeoutMs > broker.ConsumerGroupMaxSessionTimeoutMs)
            return $"{ConsumerSessionTimeoutMs} must be less than or equal to group.consumer.max.session.timeout.ms";
        if (timeouts.SessionTimeoutMs <= timeouts.HeartbeatIntervalMs)
            return $"{ConsumerSessionTimeoutMs} must be greater than {ConsumerHeartbeatIntervalMs}";
        return null;
    }

    /// <summary>A group's timeouts: its configs over <paramref name="defaults"/> (values were validated when written).</summary>
    public static ConsumerGroupTimeouts Resolve(ConsumerGroupTimeouts defaults, IReadOnlyDictionary<string, string>? configs) =>
        configs is null
            ? defaults
            : new(Int(configs, ConsumerSessionTimeoutMs) ?? defaults.SessionTimeoutMs, Int(configs, ConsumerHeartbeatIntervalMs) ?? defaults.HeartbeatIntervalMs);

    private static int? Int(IReadOnlyDictionary<string, string> configs, string name) =>
        configs.TryGetValue(name, out var text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
