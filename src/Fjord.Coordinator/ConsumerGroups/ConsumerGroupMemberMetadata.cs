namespace Fjord.Coordinator.ConsumerGroups;

/// <summary>
/// What a KIP-848 member declared about itself (Kafka's ConsumerGroupMemberMetadataValue): identity,
/// subscription and rebalance timeout; <see cref="Classic"/> is set for a member that uses the classic protocol
/// inside a consumer group (KIP-848's online migration). Immutable.
/// </summary>
public sealed record ConsumerGroupMemberMetadata(
    string? InstanceId,
    string? RackId,
    string ClientId,
    string ClientHost,
    IReadOnlyList<string> SubscribedTopicNames,
    string? SubscribedTopicRegex,
    int RebalanceTimeoutMs,
    string? ServerAssignor,
    ClassicMemberMetadata? Classic = null)
{
    public bool UsesClassicProtocol => Classic is not null;

    /// <summary>True when the two differ in anything that changes the target assignment (a group epoch bump).</summary>
    public bool SubscriptionDiffers(ConsumerGroupMemberMetadata other) =>
        !SubscribedTopicNames.SequenceEqual(other.SubscribedTopicNames, StringComparer.Ordinal)
        || !string.Equals(SubscribedTopicRegex, other.SubscribedTopicRegex, StringComparison.Ordinal)
        || !string.Equals(ServerAssignor, other.ServerAssignor, StringComparison.Ordinal);

    /// <summary>Value equality including the topic list (records compare lists by reference).</summary>
    public bool SameAs(ConsumerGroupMemberMetadata other) =>
        !SubscriptionDiffers(other)
        && InstanceId == other.InstanceId
        && RackId == other.RackId
        && ClientId == other.ClientId
        && ClientHost == other.ClientHost
        && RebalanceTimeoutMs == other.RebalanceTimeoutMs
        && (Classic is null ? other.Classic is null : Classic.SameAs(other.Classic));
}
