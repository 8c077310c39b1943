namespace Fjord.Coordinator.ConsumerOffsets;

/// <summary>
/// The value of a group metadata record (Kafka's GroupMetadataValue, version 3): the generation,
/// the chosen protocol, the leader, when the group entered its current state (used for offset expiry
/// of empty groups, KIP-211) and every member with its subscription and assignment. Written when a
/// rebalance completes and when the group becomes empty. Immutable.
/// </summary>
public sealed record GroupMetadataValue(
    string ProtocolType,
    int Generation,
    string? Protocol,
    string? Leader,
    long CurrentStateTimestamp,
    IReadOnlyList<GroupMemberMetadata> Members);

/// <summary>One member inside <see cref="GroupMetadataValue"/>. Immutable by convention (the byte arrays are not copied).</summary>
public sealed record GroupMemberMetadata(
    string MemberId,
    string? GroupInstanceId,
    string ClientId,
    string ClientHost,
    int RebalanceTimeoutMs,
    int SessionTimeoutMs,
    byte[] Subscription,
    byte[] Assignment);
