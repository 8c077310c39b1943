using Fjord.Metadata;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Publishers;

/// <summary>
/// A coordinator's <see cref="IMetadataPublisher"/> (Kafka's onElection/onResignation from ReplicaManager's leader
/// changes): compares which partitions of the coordinator's internal topic (<c>__consumer_offsets</c>,
/// <c>__transaction_state</c>) this node leads, and at which leader epoch, with the previous image and tells the
/// coordinator to load or unload them. Placed after <c>ReplicaManager</c>, so a partition's log is open and its leader
/// state exists before the coordinator appends to it. Not thread-safe: called by the metadata state machine only, one
/// image at a time; the coordinators' callbacks only enqueue onto their own loops.
/// </summary>
public sealed class CoordinatorLeadershipPublisher(int nodeId, string topicName, Action<int, int> onBecameLeader, Action<int> onResigned) : IMetadataPublisher
{
    private Dictionary<int, int> _led = [];

    public void Publish(MetadataImage image, MetadataDelta? delta)
    {
        var led = new Dictionary<int, int>();
        if (image.GetTopic(topicName) is { } topic)
        {
            foreach (var (partition, registration) in topic.Partitions)
            {
                if (registration.Leader == nodeId)
                {
                    led[partition] = registration.LeaderEpoch;
                }
            }
        }

        foreach (var (partition, leaderEpoch) in led)
        {
            if (!_led.TryGetValue(partition, out var previous) || previous != leaderEpoch)
            {
                onBecameLeader(partition, leaderEpoch);
            }
        }

        foreach (var partition in _led.Keys)
        {
            if (!led.ContainsKey(partition))
            {
                onResigned(partition);
            }
        }

        _led = led;
    }
}
