namespace Fjord.Coordinator.Groups;

/// <summary>One committed offset of a group, as OffsetFetch, admin tools and lag computation see it. Immutable.</summary>
public sealed record CommittedOffset(string Topic, int Partition, long Offset, int LeaderEpoch, string Metadata, long CommitTimestampMs);
