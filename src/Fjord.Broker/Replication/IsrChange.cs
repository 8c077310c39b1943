using System.Collections.Immutable;

namespace Fjord.Broker.Replication;

/// <summary>
/// An ISR change a leader proposed to the controller and is waiting on (Kafka's PendingExpandIsr and
/// PendingShrinkIsr): the ISR it asks for and the leader and partition epochs it acts on, which the
/// controller fences (KIP-497). At most one per partition is in flight; the response is matched to it by
/// reference, so an answer to a change the next image already superseded is ignored. Immutable.
/// </summary>
/// <param name="LeaderEpoch">The leader epoch the change was made in.</param>
/// <param name="PartitionEpoch">The partition epoch of the ISR the change starts from.</param>
/// <param name="NewIsr">The proposed ISR.</param>
/// <param name="IsExpand">True when it adds a replica, false when it removes lagging ones.</param>
public sealed record IsrChange(int LeaderEpoch, int PartitionEpoch, ImmutableArray<int> NewIsr, bool IsExpand);
