using Fjord.Protocol.Errors;

namespace Fjord.Broker.Topics;

/// <summary>
/// Whether this node leads a partition, and at which leader epoch: what Produce, Fetch and ListOffsets
/// consult before touching a partition log. A single node leads every partition it has at epoch 0
/// (<see cref="SingleNodeLeadership"/>); in cluster mode the committed metadata image decides.
/// Implementations are thread-safe and lock-free (called on the request path).
/// </summary>
public interface IPartitionLeadership
{
    /// <summary>
    /// <see cref="ErrorCode.None"/> with the current leader epoch when this node leads
    /// <paramref name="topic"/>-<paramref name="partition"/>; <see cref="ErrorCode.NotLeaderOrFollower"/> otherwise.
    /// </summary>
    ErrorCode CheckLeader(string topic, int partition, out int leaderEpoch);
}
