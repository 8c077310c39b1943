using Fjord.Protocol.Errors;

namespace Fjord.Metadata;

/// <summary>ElectLeaders election types with Kafka's ids (KIP-460). Immutable value.</summary>
public enum ElectionType : byte
{
    Preferred = 0,
    Unclean = 1,
}

/// <summary>A partition named by topic name. Immutable value.</summary>
public readonly record struct TopicPartitionName(string Topic, int Partition);

/// <summary>The outcome for one partition of ElectLeaders. Immutable.</summary>
public sealed record ElectLeadersResult(string Topic, int Partition, ErrorCode Error, string? Message);
