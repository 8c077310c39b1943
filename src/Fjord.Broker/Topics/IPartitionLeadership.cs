using Fjord.Protocol.Errors;

namespace Fjord.Broker.Topics;

/// <summary>
/// Whether this node leads (or follows) a partition, and at which leader epoch: what Produce, Fetch and ListOffsets
/// consult before touching a partition log. The committed metadata image decides
/// (<see cref="ClusterPartitionLeadership"/>).
/// Implementations are thread-safe and lock-free (called on the request path).
/// </summary>
public interface IPartitionLeadership
{
    /// <summary>
    /// <see cref="ErrorCode.None"/> with the current leader epoch when this node leads
    /// <paramref name="topic"/>-<paramref name="partition"/>; <see cref="ErrorCode.NotLeaderOrFollower"/> otherwise.
    /// </summary>
    ErrorCode CheckLeader(string topic, int partition, out int leaderEpoch);

    /// <summary>
    /// Whether this node leads <paramref name="topic"/>-<paramref name="partition"/>, follows it (holds a replica that
    /// consumers may read from, KIP-392) or holds no replica of it, with the partition's current leader epoch
    /// (-1 when it holds no replica).
    /// </summary>
    PartitionRole RoleOf(string topic, int partition, out int leaderEpoch);
}
