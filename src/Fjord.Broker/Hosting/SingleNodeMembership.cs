using Fjord.Broker.Configuration;

namespace Fjord.Broker.Hosting;

/// <summary>The single node is the only broker and its own controller. Immutable; thread-safe.</summary>
public sealed class SingleNodeMembership(BrokerConfig config) : IClusterMembership
{
    public int ControllerId => config.NodeId;

    public IEnumerable<LiveBroker> LiveBrokers() =>
        [new LiveBroker(config.NodeId, config.KafkaAdvertised.Host, config.KafkaAdvertised.Port, config.Rack)];
}
