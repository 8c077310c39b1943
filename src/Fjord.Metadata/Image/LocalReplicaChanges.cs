namespace Fjord.Metadata;

/// <summary>
/// What one broker must do after a delta: become leader of, become follower of, or delete partitions.
/// Immutable; safe on any thread.
/// </summary>
public sealed record LocalReplicaChanges(
    IReadOnlyList<TopicIdPartition> Leaders,
    IReadOnlyList<TopicIdPartition> Followers,
    IReadOnlyList<TopicIdPartition> Deletes);
