using Fjord.Broker.Topics;
using Fjord.Protocol.Errors;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Topics;

/// <summary>
/// Partition leadership from the committed metadata image: this node leads a partition when the image
/// names it leader and follows it when the image lists it among the other replicas, at the image's leader
/// epoch. Every topic, <c>__consumer_offsets</c> included, is created through the controller, so a topic the
/// image does not know (deleted a moment ago) has no replica here.
/// Thread-safe and lock-free: reads the immutable image.
/// </summary>
public sealed class ClusterPartitionLeadership(MetadataQuorum quorum) : IPartitionLeadership
{
    public ErrorCode CheckLeader(string topic, int partition, out int leaderEpoch)
    {
        if (RoleOf(topic, partition, out leaderEpoch) == PartitionRole.Leader) return ErrorCode.None;
        leaderEpoch = -1;
        return ErrorCode.NotLeaderOrFollower;
    }

    public PartitionRole RoleOf(string topic, int partition, out int leaderEpoch)
    {
        var image = quorum.StateMachine.Image;
        if (image.GetTopic(topic) is { } known && known.Partitions.TryGetValue(partition, out var registration) && registration.Replicas.Contains(quorum.NodeId))
        {
            leaderEpoch = registration.LeaderEpoch;
            return registration.Leader == quorum.NodeId ? PartitionRole.Leader : PartitionRole.Follower;
        }
        leaderEpoch = -1;
        return PartitionRole.NotReplica;
    }
}
