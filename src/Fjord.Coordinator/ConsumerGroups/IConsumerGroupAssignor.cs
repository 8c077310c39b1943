using System.Collections.Immutable;
using Fjord.Protocol;

namespace Fjord.Coordinator.ConsumerGroups;

/// <summary>
/// A server-side assignor (KIP-848): maps every member to the partitions of its subscribed topics so that
/// each partition of a subscribed topic goes to exactly one member subscribed to it.
/// Implementations are pure and thread-safe.
/// </summary>
public interface IConsumerGroupAssignor
{
    /// <summary>The name clients select it by (group.remote.assignor).</summary>
    string Name { get; }

    /// <param name="members">Every member, in member id order.</param>
    /// <param name="partitionCounts">The partition count of every topic some member subscribes to.</param>
    IReadOnlyDictionary<string, ImmutableSortedSet<TopicIdPartition>> Assign(IReadOnlyList<AssignmentMemberSpec> members, IReadOnlyDictionary<Uuid, int> partitionCounts);
}
