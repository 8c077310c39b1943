using System.Globalization;
using Fjord.Broker.Quorum;

namespace Fjord.Broker.Configuration;

/// <summary>
/// The node settings Kafka's tools and dashboards read from DescribeConfigs under Kafka's names (<c>broker.id</c>,
/// <c>log.dirs</c>, <c>listeners</c>, <c>advertised.listeners</c>, <c>process.roles</c>,
/// <c>controller.quorum.voters</c>), derived from Fjord's own settings and reported read-only, as Kafka reports them.
/// Every Fjord node serves clients and may be a quorum voter, so <c>process.roles</c> says broker, plus controller
/// when the node votes. Thread-safe; computes from immutable inputs.
/// </summary>
public static class KafkaNodeConfigs
{
    /// <summary>The derived configs with their values, in the order DescribeConfigs lists them.</summary>
    public static IEnumerable<(ConfigDefinition Definition, string Value)> Describe(BrokerConfig config, ClusterVoters voters)
    {
        var listener = $"PLAINTEXT://{config.KafkaListen}";
        yield return (new("broker.id", ConfigType.Int, "-1", "this node's id (Fjord's node.id)"), config.NodeId.ToString(CultureInfo.InvariantCulture));
        yield return (new("log.dirs", ConfigType.String, null, "the data directory (Fjord's data.dir)"), config.DataDir);
        yield return (new("listeners", ConfigType.List, null, "the Kafka listener (Fjord's kafka.listen)"), listener);
        yield return (new("advertised.listeners", ConfigType.List, null, "what clients are told to connect to (Fjord's kafka.advertised)"), $"PLAINTEXT://{config.KafkaAdvertised}");
        yield return (new("process.roles", ConfigType.List, null, "broker, and controller when this node is a metadata quorum voter"),
            voters.Voters.ContainsKey(config.NodeId) ? "broker,controller" : "broker");
        yield return (new("controller.quorum.voters", ConfigType.List, null, "the metadata quorum's voters, id@host:rpcport (Fjord's voters)"),
            string.Join(",", voters.Voters.OrderBy(v => v.Key).Select(v => $"{v.Key}@{v.Value}")));
    }
}
