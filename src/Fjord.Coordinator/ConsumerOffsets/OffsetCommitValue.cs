namespace Fjord.Coordinator.ConsumerOffsets;

/// <summary>
/// The value of an offset commit record (Kafka's OffsetCommitValue). Version 3 carries the offset,
/// the leader epoch of the committed record (KIP-320), the client's metadata string and the commit
/// time; version 1 also had an explicit expire timestamp, which KIP-211 replaced by group-based
/// expiry. Immutable.
/// </summary>
public sealed record OffsetCommitValue(long Offset, int LeaderEpoch, string Metadata, long CommitTimestamp, long ExpireTimestamp = -1);
