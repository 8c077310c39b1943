using Fjord.Coordinator.Groups;

namespace Fjord.Coordinator.ConsumerGroups;

/// <summary>
/// What a member of a consumer group that still speaks the classic protocol (JoinGroup/SyncGroup/Heartbeat)
/// declared in its last JoinGroup (Kafka's ClassicMemberMetadata): its session timeout and its protocols with
/// their ConsumerProtocolSubscription bytes, kept so the group can be turned back into a classic group. Immutable.
/// </summary>
public sealed record ClassicMemberMetadata(int SessionTimeoutMs, IReadOnlyList<GroupProtocol> SupportedProtocols)
{
    /// <summary>The protocol the member prefers (its first); the one SyncGroup and JoinGroup answers name.</summary>
    public GroupProtocol Preferred => SupportedProtocols[0];

    /// <summary>Value equality including the protocols' bytes (records compare lists by reference).</summary>
    public bool SameAs(ClassicMemberMetadata? other) =>
        other is not null
        && SessionTimeoutMs == other.SessionTimeoutMs
        && SupportedProtocols.Count == other.SupportedProtocols.Count
        && SupportedProtocols.Zip(other.SupportedProtocols).All(p => p.First.Name == p.Second.Name && p.First.Metadata.AsSpan().SequenceEqual(p.Second.Metadata));
}
