using System.Collections.Immutable;
using Fjord.Protocol;

namespace Fjord.Coordinator.ConsumerGroups;

/// <summary>
/// The server-side <c>range</c> assignor: for each topic, the members subscribed to it (in member id
/// order) get contiguous ranges of its partitions, the first <c>partitions % members</c> one more. Topics
/// with equal partition counts and equal subscribers are therefore co-partitioned (member i gets the
/// same partition numbers of each), which is why applications choose it. Not sticky beyond that
/// determinism. Pure and thread-safe.
/// </summary>
public sealed class RangeAssignor : IConsumerGroupAssignor
{
    public const string AssignorName = "range";

    public string Name => AssignorName;

    public IReadOnlyDictionary<string, ImmutableSortedSet<TopicIdPartition>> Assign(IReadOnlyList<AssignmentMemberSpec> members, IReadOnlyDictionary<Uuid, int> partitionCounts)
    {
        var owned = new Dictionary<string, ImmutableSortedSet<TopicIdPartition>.Builder>(StringComparer.Ordinal);
        foreach (var member in members)
        {
            owned[member.MemberId] = ImmutableSortedSet.CreateBuilder<TopicIdPartition>();
        }

        foreach (var (topicId, count) in partitionCounts)
        {
            var subscribers = new List<string>();
            foreach (var member in members)
            {
                if (member.SubscribedTopicIds.Contains(topicId))
                {
                    subscribers.Add(member.MemberId);
                }
            }

            if (subscribers.Count == 0)
            {
                continue;
            }

            var quota = count / subscribers.Count;
            var extra = count % subscribers.Count;
            var next = 0;
            for (var i = 0; i < subscribers.Count; i++)
            {
                var size = quota + (i < extra ? 1 : 0);
                for (var p = next; p < next + size; p++)
                {
                    owned[subscribers[i]].Add(new TopicIdPartition(topicId, p));
                }

                next += size;
            }
        }

        var result = new Dictionary<string, ImmutableSortedSet<TopicIdPartition>>(StringComparer.Ordinal);
        foreach (var (memberId, builder) in owned)
        {
            result[memberId] = builder.ToImmutable();
        }

        return result;
    }
}
