using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Coordinator.Groups;
using Fjord.Metadata;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Publishers;

/// <summary>
/// The group coordinator's <see cref="IMetadataPublisher"/> (Kafka's onElection/onResignation from
/// ReplicaManager's leader changes): compares which <c>__consumer_offsets</c> partitions this node leads, and
/// at which leader epoch, with the previous image and tells the <see cref="GroupCoordinatorService"/> to load
/// or unload their groups. Placed after <c>ReplicaManager</c>, so a partition's log is open and its leader
/// state exists before the coordinator appends to it. Not thread-safe: called by the metadata state machine
/// only, one image at a time; the coordinator calls only enqueue onto its own loop.
/// </summary>
public sealed class GroupCoordinatorLeadershipPublisher(int nodeId, GroupCoordinatorService coordinator) : IMetadataPublisher
{
    private Dictionary<int, int> _led = [];

    public void Publish(MetadataImage image, MetadataDelta? delta)
    {
        var led = new Dictionary<int, int>();
        if (image.GetTopic(ConsumerOffsetsPartitioner.TopicName) is { } topic)
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
                coordinator.OnBecameLeader(partition, leaderEpoch);
            }
        }

        foreach (var partition in _led.Keys)
        {
            if (!led.ContainsKey(partition))
            {
                coordinator.OnResigned(partition);
            }
        }

        _led = led;
    }
}
