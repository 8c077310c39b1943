namespace Fjord.Chaos.Checking;

/// <summary>
/// One record batch of a replica's log as the comparison sees it: offsets, the leader epoch the leader stamped,
/// the CRC (over attributes to the end) and the length. Two replicas that hold the same batch verbatim agree on
/// all of them. Immutable.
/// </summary>
public sealed record ReplicaBatch(long BaseOffset, long LastOffset, int PartitionLeaderEpoch, uint Crc, int BatchLength);
