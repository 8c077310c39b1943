using Fjord.Broker.Hosting;
using Fjord.Broker.Controller;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;

namespace Fjord.Broker.Quorum;

/// <summary>
/// Membership: unfenced brokers of the committed metadata image, and the Raft leader
/// (the active controller's node). Reads immutable images; thread-safe.
/// </summary>
public sealed class QuorumMembership(MetadataQuorum quorum) : IClusterMembership
{
    public int ControllerId => quorum.LeaderNodeId;

    public IEnumerable<LiveBroker> LiveBrokers()
    {
        foreach (var broker in Handlers.MetadataHandler.LiveBrokers(quorum.StateMachine.Image))
        {
            var endpoint = broker.Endpoints[0];
            yield return new LiveBroker(broker.Id, endpoint.Host, endpoint.Port, broker.Rack);
        }
    }
}
