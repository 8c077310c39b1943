using System.Collections.Immutable;
using Fjord.Metadata.Records;

namespace Fjord.Metadata;

/// <summary>
/// Decides one partition's next leader and ISR and writes the minimal <see cref="PartitionChangeRecord"/>
/// (Kafka's PartitionChangeBuilder). The leader is always an eligible (unfenced, not shutting down,
/// KIP-841) member of the target ISR, preferring replica order; with none, the partition is leaderless
/// unless unclean election is allowed, which takes the first eligible replica and makes it the sole ISR
/// member. Not thread-safe; lives for one decision.
/// </summary>
internal sealed class PartitionChangeBuilder(
    PartitionRegistration current, Guid topicId, int partitionId, Func<int, bool> isEligible, bool uncleanAllowed)
{
    public ImmutableArray<int> TargetIsr { get; set; } = current.Isr;
    public ImmutableArray<int> TargetReplicas { get; set; } = current.Replicas;
    public ImmutableArray<int> TargetAdding { get; set; } = current.AddingReplicas;
    public ImmutableArray<int> TargetRemoving { get; set; } = current.RemovingReplicas;
    public LeaderElection Election { get; set; } = LeaderElection.KeepIfEligible;

    /// <summary>The leader <see cref="Build"/> chose (valid after it ran).</summary>
    public int NewLeader { get; private set; } = current.Leader;

    /// <summary>The change, or null when nothing would change.</summary>
    public PartitionChangeRecord? Build()
    {
        var replicas = TargetReplicas;
        var isr = TargetIsr.Where(replicas.Contains).ToImmutableArray();
        var ignoreIsr = PlantedMetadataBugs.Has(PlantedMetadataBug.ElectionIgnoresIsr);
        bool CanLead(int id) => id != PartitionRegistration.NoLeader && (ignoreIsr ? replicas.Contains(id) : isr.Contains(id)) && isEligible(id);

        var leader = current.Leader;
        if (Election == LeaderElection.Preferred && replicas.Length > 0 && CanLead(replicas[0])) leader = replicas[0];
        if (!CanLead(leader))
        {
            leader = PartitionRegistration.NoLeader;
            foreach (var r in replicas)
                if (CanLead(r)) { leader = r; break; }
        }
        if (leader == PartitionRegistration.NoLeader && (uncleanAllowed || Election == LeaderElection.Unclean))
        {
            foreach (var r in replicas)
            {
                if (!isEligible(r)) continue;
                leader = r;
                isr = [r];
                break;
            }
        }
        NewLeader = leader;

        var change = new PartitionChangeRecord { TopicId = Uuids.ToByteString(topicId), PartitionId = partitionId };
        var changed = false;
        if (leader != current.Leader) { change.Leader = leader; changed = true; }
        if (!isr.SequenceEqual(current.Isr)) { change.Isr = List(isr); changed = true; }
        if (!replicas.SequenceEqual(current.Replicas)) { change.Replicas = List(replicas); changed = true; }
        if (!TargetAdding.SequenceEqual(current.AddingReplicas)) { change.AddingReplicas = List(TargetAdding); changed = true; }
        if (!TargetRemoving.SequenceEqual(current.RemovingReplicas)) { change.RemovingReplicas = List(TargetRemoving); changed = true; }
        return changed ? change : null;
    }

    private static BrokerIdList List(ImmutableArray<int> ids)
    {
        var list = new BrokerIdList();
        list.Ids.AddRange(ids);
        return list;
    }
}
