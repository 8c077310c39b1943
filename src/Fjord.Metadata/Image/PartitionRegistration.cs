using System.Collections.Immutable;
using Fjord.Metadata.Records;

namespace Fjord.Metadata;

/// <summary>
/// One partition's replication state: replicas in preference order, ISR, leader, leader epoch (bumped on
/// every leader change, KIP-101/KIP-279) and partition epoch (bumped on every change, fencing stale
/// AlterPartition requests, KIP-497), plus a reassignment in progress as adding/removing replicas
/// (KIP-455). Immutable; safe on any thread.
/// </summary>
public sealed record PartitionRegistration(
    ImmutableArray<int> Replicas,
    ImmutableArray<int> Isr,
    ImmutableArray<int> RemovingReplicas,
    ImmutableArray<int> AddingReplicas,
    int Leader,
    int LeaderEpoch,
    int PartitionEpoch)
{
    /// <summary>The leader id of a partition that has none.</summary>
    public const int NoLeader = -1;

    /// <summary>The first replica: the leader preferred-leader election restores (KIP-183).</summary>
    public int PreferredLeader => Replicas.Length > 0 ? Replicas[0] : NoLeader;

    /// <summary>True while a reassignment is in progress.</summary>
    public bool IsReassigning => RemovingReplicas.Length > 0 || AddingReplicas.Length > 0;

    /// <summary>True when it has a leader.</summary>
    public bool HasLeader => Leader != NoLeader;

    /// <summary>The replica set a reassignment ends with (replicas minus removing).</summary>
    public ImmutableArray<int> TargetReplicas => RemovingReplicas.Length == 0 ? Replicas : [.. Replicas.Where(r => !RemovingReplicas.Contains(r))];

    /// <summary>The replica set before the reassignment (replicas minus adding); what a cancellation restores.</summary>
    public ImmutableArray<int> OriginalReplicas => AddingReplicas.Length == 0 ? Replicas : [.. Replicas.Where(r => !AddingReplicas.Contains(r))];

    /// <summary>Builds the state a <see cref="PartitionRecord"/> describes.</summary>
    public static PartitionRegistration FromRecord(PartitionRecord r) => new(
        [.. r.Replicas], [.. r.Isr], [.. r.RemovingReplicas], [.. r.AddingReplicas], r.Leader, r.LeaderEpoch, r.PartitionEpoch);

    /// <summary>The record that recreates this state (for creation and snapshots).</summary>
    public PartitionRecord ToRecord(Guid topicId, int partitionId)
    {
        var r = new PartitionRecord
        {
            TopicId = Uuids.ToByteString(topicId),
            PartitionId = partitionId,
            Leader = Leader,
            LeaderEpoch = LeaderEpoch,
            PartitionEpoch = PartitionEpoch,
        };
        r.Replicas.AddRange(Replicas);
        r.Isr.AddRange(Isr);
        r.RemovingReplicas.AddRange(RemovingReplicas);
        r.AddingReplicas.AddRange(AddingReplicas);
        return r;
    }

    /// <summary>
    /// The state after <paramref name="change"/>: absent fields stay; the partition epoch always grows and
    /// the leader epoch grows whenever a leader is set (Kafka's PartitionRegistration.merge).
    /// </summary>
    public PartitionRegistration Merge(PartitionChangeRecord change)
    {
        var next = this with { PartitionEpoch = PartitionEpoch + 1 };
        if (change.Isr is { } isr) next = next with { Isr = [.. isr.Ids] };
        if (change.Replicas is { } replicas) next = next with { Replicas = [.. replicas.Ids] };
        if (change.RemovingReplicas is { } removing) next = next with { RemovingReplicas = [.. removing.Ids] };
        if (change.AddingReplicas is { } adding) next = next with { AddingReplicas = [.. adding.Ids] };
        if (change.HasLeader) next = next with { Leader = change.Leader, LeaderEpoch = PlantedMetadataBugs.Has(PlantedMetadataBug.NoEpochBumpOnLeaderChange) ? LeaderEpoch : LeaderEpoch + 1 };
        return next;
    }

    /// <summary>Field-by-field equality (the generated record equality compares arrays by reference).</summary>
    public bool SameAs(PartitionRegistration other) =>
        Leader == other.Leader && LeaderEpoch == other.LeaderEpoch && PartitionEpoch == other.PartitionEpoch &&
        Replicas.SequenceEqual(other.Replicas) && Isr.SequenceEqual(other.Isr) &&
        RemovingReplicas.SequenceEqual(other.RemovingReplicas) && AddingReplicas.SequenceEqual(other.AddingReplicas);

    /// <inheritdoc/>
    public override string ToString() =>
        $"replicas=[{string.Join(",", Replicas)}] isr=[{string.Join(",", Isr)}] leader={Leader} leaderEpoch={LeaderEpoch} partitionEpoch={PartitionEpoch}" +
        (IsReassigning ? $" adding=[{string.Join(",", AddingReplicas)}] removing=[{string.Join(",", RemovingReplicas)}]" : "");
}
