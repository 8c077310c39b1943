using Fjord.Storage;

namespace Fjord.Broker.Replication;

/// <summary>
/// A partition this node follows: the leader to fetch from, at which leader epoch, and the local log the
/// fetched batches go to. Immutable; replaced when the image names another leader or epoch.
/// </summary>
public sealed record FollowerPartitionState(TopicPartition Partition, PartitionLog Log, int LeaderId, int LeaderEpoch);
