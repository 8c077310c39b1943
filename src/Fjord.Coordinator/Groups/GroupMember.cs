namespace Fjord.Coordinator.Groups;

/// <summary>
/// One member of a classic group as the coordinator tracks it: identity (member id, and
/// <c>group.instance.id</c> for static members, KIP-345), the protocols it offered in its last
/// JoinGroup, its assignment, its timeouts and the JoinGroup/SyncGroup requests it is waiting on.
/// Not thread-safe; owned by <see cref="GroupCoordinator"/> on the coordinator's event loop.
/// </summary>
public sealed class GroupMember
{
    internal GroupMember(string memberId, string? groupInstanceId, string clientId, string clientHost, int rebalanceTimeoutMs, int sessionTimeoutMs, string protocolType, IReadOnlyList<GroupProtocol> protocols)
    {
        MemberId = memberId;
        GroupInstanceId = groupInstanceId;
        ClientId = clientId;
        ClientHost = clientHost;
        RebalanceTimeoutMs = rebalanceTimeoutMs;
        SessionTimeoutMs = sessionTimeoutMs;
        ProtocolType = protocolType;
        Protocols = protocols;
    }

    /// <summary>Changes when a static member rejoins with a new id and replaces its old incarnation.</summary>
    public string MemberId { get; internal set; }

    public string? GroupInstanceId { get; }

    public bool IsStatic => GroupInstanceId is not null;

    public string ClientId { get; }

    public string ClientHost { get; }

    public int RebalanceTimeoutMs { get; internal set; }

    public int SessionTimeoutMs { get; internal set; }

    public string ProtocolType { get; }

    /// <summary>The protocols (assignors) offered, in the member's order of preference.</summary>
    public IReadOnlyList<GroupProtocol> Protocols { get; internal set; }

    /// <summary>The assignment the leader gave this member in the current generation (opaque bytes).</summary>
    public byte[] Assignment { get; internal set; } = [];

    /// <summary>
    /// True between joining and the first completed join: such a member is dropped after
    /// <see cref="GroupCoordinatorConfig.NewMemberJoinTimeoutMs"/> even while it awaits its JoinGroup response.
    /// </summary>
    public bool IsNew { get; internal set; }

    /// <summary>When the member is considered dead unless it heartbeats (or awaits a rebalance), in Unix ms.</summary>
    public long HeartbeatDeadlineMs { get; internal set; }

    internal PendingRequest? PendingJoin { get; set; }

    internal PendingRequest? PendingSync { get; set; }

    public bool IsAwaitingJoin => PendingJoin is not null;

    public bool IsAwaitingSync => PendingSync is not null;

    /// <summary>The metadata this member offered for <paramref name="protocol"/>, or empty.</summary>
    public byte[] MetadataFor(string? protocol)
    {
        foreach (var offered in Protocols)
        {
            if (offered.Name == protocol)
            {
                return offered.Metadata;
            }
        }

        return [];
    }

    /// <summary>True when <paramref name="protocols"/> are exactly what the member offered last time (names, order and bytes).</summary>
    public bool Matches(IReadOnlyList<GroupProtocol> protocols)
    {
        if (protocols.Count != Protocols.Count)
        {
            return false;
        }

        for (var i = 0; i < protocols.Count; i++)
        {
            if (protocols[i].Name != Protocols[i].Name || !protocols[i].Metadata.AsSpan().SequenceEqual(Protocols[i].Metadata))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The first of this member's protocols that is in <paramref name="candidates"/>: its vote in protocol selection.</summary>
    internal string Vote(IReadOnlySet<string> candidates)
    {
        foreach (var protocol in Protocols)
        {
            if (candidates.Contains(protocol.Name))
            {
                return protocol.Name;
            }
        }

        throw new InvalidOperationException($"member {MemberId} supports none of the candidate protocols");
    }
}

/// <summary>One (name, metadata) entry of a JoinGroup request: an assignor and the subscription it encodes. Immutable by convention.</summary>
public sealed record GroupProtocol(string Name, byte[] Metadata);

/// <summary>A JoinGroup or SyncGroup request the coordinator answers later: the shell's token and the request version.</summary>
internal sealed record PendingRequest(long Token, short Version);
