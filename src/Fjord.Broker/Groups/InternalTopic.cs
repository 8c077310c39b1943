using Fjord.Storage;

namespace Fjord.Broker.Groups;

/// <summary>
/// What a coordinator's internal topic is created with: name, partitions, replication factor and, beyond the
/// compaction and 100 MiB segments every internal topic has, its own configs (Kafka's
/// <c>transaction.state.log.min.isr</c> becomes the topic's <c>min.insync.replicas</c>). Immutable.
/// </summary>
public sealed record InternalTopic(string Name, int Partitions, short ReplicationFactor, IReadOnlyDictionary<string, string>? ExtraConfigs = null)
{
    /// <summary>The topic configs of the CreateTopics request.</summary>
    public Dictionary<string, string> Configs()
    {
        var configs = new Dictionary<string, string>
        {
            [LogConfig.CleanupPolicyName] = "compact",
            [LogConfig.SegmentBytesName] = "104857600",
        };
        foreach (var (name, value) in ExtraConfigs ?? new Dictionary<string, string>())
        {
            configs[name] = value;
        }

        return configs;
    }
}
