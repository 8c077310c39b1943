using Fjord.Protocol.Errors;

namespace Fjord.Broker.Topics;

/// <summary>The single-node broker leads every partition it holds, at leader epoch 0. Stateless; thread-safe.</summary>
public sealed class SingleNodeLeadership : IPartitionLeadership
{
    public static readonly SingleNodeLeadership Instance = new();

    public ErrorCode CheckLeader(string topic, int partition, out int leaderEpoch)
    {
        leaderEpoch = 0;
        return ErrorCode.None;
    }

    public PartitionRole RoleOf(string topic, int partition, out int leaderEpoch)
    {
        leaderEpoch = 0;
        return PartitionRole.Leader;
    }
}
