using System.Collections.Immutable;
using Fjord.Protocol;

namespace Fjord.Coordinator.ConsumerGroups;

/// <summary>
/// Kafka's default server-side assignor, <c>uniform</c>: spreads partitions as evenly as the
/// subscriptions allow and keeps each partition where it was when that does not unbalance the group
/// (few moves, so few revocations). Works for members with different subscriptions too: a partition
/// only moves to a member subscribed to its topic. Pure and thread-safe.
/// <para>
/// Algorithm: keep the previous owners of partitions that still exist and are still subscribed; give
/// each unowned partition to the least loaded subscribed member (ties by member id); then move
/// partitions from a member to a subscribed member with at least two fewer until no such move exists.
/// Every move lowers the sum of squared loads, so it ends.
/// </para>
/// </summary>
public sealed class UniformAssignor : IConsumerGroupAssignor
{
    public const string AssignorName = "uniform";

    public string Name => AssignorName;

    public IReadOnlyDictionary<string, ImmutableSortedSet<TopicIdPartition>> Assign(IReadOnlyList<AssignmentMemberSpec> members, IReadOnlyDictionary<Uuid, int> partitionCounts)
    {
        var owned = new Dictionary<string, SortedSet<TopicIdPartition>>(StringComparer.Ordinal);
        var owner = new Dictionary<TopicIdPartition, string>();
        foreach (var member in members)
        {
            var keep = new SortedSet<TopicIdPartition>();
            foreach (var partition in member.PreviousTarget)
            {
                if (member.SubscribedTopicIds.Contains(partition.TopicId)
                    && partitionCounts.TryGetValue(partition.TopicId, out var count)
                    && partition.Partition < count
                    && owner.TryAdd(partition, member.MemberId))
                {
                    keep.Add(partition);
                }
            }

            owned[member.MemberId] = keep;
        }

        foreach (var (topicId, count) in partitionCounts.OrderBy(t => t.Key.MostSignificantBits).ThenBy(t => t.Key.LeastSignificantBits))
        {
            for (var p = 0; p < count; p++)
            {
                var partition = new TopicIdPartition(topicId, p);
                if (owner.ContainsKey(partition))
                {
                    continue;
                }

                string? least = null;
                foreach (var member in members)
                {
                    if (member.SubscribedTopicIds.Contains(topicId) && (least is null || owned[member.MemberId].Count < owned[least].Count))
                    {
                        least = member.MemberId;
                    }
                }

                if (least is not null)
                {
                    owned[least].Add(partition);
                    owner[partition] = least;
                }
            }
        }

        Balance(members, owned);
        var result = new Dictionary<string, ImmutableSortedSet<TopicIdPartition>>(StringComparer.Ordinal);
        foreach (var (memberId, partitions) in owned)
        {
            result[memberId] = [.. partitions];
        }

        return result;
    }

    private static void Balance(IReadOnlyList<AssignmentMemberSpec> members, Dictionary<string, SortedSet<TopicIdPartition>> owned)
    {
        var moved = true;
        while (moved)
        {
            moved = false;
            foreach (var from in members.OrderByDescending(m => owned[m.MemberId].Count).ThenBy(m => m.MemberId, StringComparer.Ordinal))
            {
                foreach (var partition in owned[from.MemberId].Reverse())
                {
                    AssignmentMemberSpec? to = null;
                    foreach (var candidate in members)
                    {
                        if (candidate.SubscribedTopicIds.Contains(partition.TopicId)
                            && owned[candidate.MemberId].Count < owned[from.MemberId].Count - 1
                            && (to is null || owned[candidate.MemberId].Count < owned[to.MemberId].Count))
                        {
                            to = candidate;
                        }
                    }

                    if (to is not null)
                    {
                        owned[from.MemberId].Remove(partition);
                        owned[to.MemberId].Add(partition);
                        moved = true;
                        break;
                    }
                }

                if (moved)
                {
                    break;
                }
            }
        }
    }
}
