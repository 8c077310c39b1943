namespace Fjord.Raft;

/// <summary>A proposal reached a node that is not the leader; <see cref="LeaderId"/> is a hint (0: unknown).</summary>
public sealed class NotLeaderException(ulong leaderId)
    : Exception(leaderId == 0 ? "no leader is known" : $"not the leader; try node {leaderId}")
{
    public ulong LeaderId { get; } = leaderId;
}
