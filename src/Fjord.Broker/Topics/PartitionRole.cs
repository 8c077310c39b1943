namespace Fjord.Broker.Topics;

/// <summary>What this node is for a partition, as <see cref="IPartitionLeadership.RoleOf"/> answers it.</summary>
public enum PartitionRole
{
    /// <summary>This node holds no replica of the partition.</summary>
    NotReplica,

    /// <summary>This node leads the partition.</summary>
    Leader,

    /// <summary>This node holds a replica and another node (or none, while the partition is offline) leads it.</summary>
    Follower,
}
