using System.Collections.Frozen;

namespace Fjord.Operator.DesiredState;

/// <summary>
/// Splits <c>spec.config</c> into dynamic broker configs (KIP-226: changed at runtime through the admin API, no restart)
/// and static ones (read once at start: a change rolls the pods). The dynamic set is Kafka's cluster-wide dynamic broker
/// configs that Fjord implements: the broker synonyms of topic configs (DynamicLogConfig) and the replication throttle
/// rates (DynamicReplicationConfig). It is a copy of the broker's list by contract, not by reference — the operator never
/// references broker code. An unknown name is static: restarting is the safe way to apply what we cannot classify.
/// Thread-safe (immutable).
/// </summary>
public static class BrokerConfigClassifier
{
    private static readonly FrozenSet<string> s_dynamic = new[]
    {
        "log.cleanup.policy", "compression.type", "log.cleaner.delete.retention.ms", "log.segment.delete.delay.ms",
        "log.flush.interval.messages", "log.flush.interval.ms", "log.index.interval.bytes", "message.max.bytes",
        "log.message.timestamp.type", "log.cleaner.min.cleanable.ratio", "log.cleaner.min.compaction.lag.ms",
        "min.insync.replicas", "log.retention.bytes", "log.retention.ms", "log.segment.bytes", "log.index.size.max.bytes",
        "log.roll.ms", "unclean.leader.election.enable",
        "leader.replication.throttled.rate", "follower.replication.throttled.rate",
    }.ToFrozenSet(StringComparer.Ordinal);

    public static bool IsDynamic(string name) => s_dynamic.Contains(name);

    /// <summary>The configs in name order, split; <paramref name="config"/> may be null (nothing set).</summary>
    public static (SortedDictionary<string, string> Static, SortedDictionary<string, string> Dynamic) Split(
        IReadOnlyDictionary<string, string>? config)
    {
        var staticConfigs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var dynamicConfigs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in config ?? new Dictionary<string, string>())
        {
            (IsDynamic(name) ? dynamicConfigs : staticConfigs)[name] = value;
        }
        return (staticConfigs, dynamicConfigs);
    }
}
