using Fjord.Protocol.Errors;

namespace Fjord.Metadata;

/// <summary>
/// One topic of a CreateTopics request. -1 partitions or replication factor means the broker default;
/// <see cref="Assignments"/> (partition → replicas, partitions 0..n-1) replaces placement. Immutable.
/// </summary>
public sealed record CreatableTopic(
    string Name,
    int NumPartitions = -1,
    short ReplicationFactor = -1,
    IReadOnlyDictionary<int, IReadOnlyList<int>>? Assignments = null,
    IReadOnlyDictionary<string, string>? Configs = null);

/// <summary>The outcome for one topic of CreateTopics. Immutable.</summary>
public sealed record CreateTopicResult(string Name, Guid TopicId, ErrorCode Error, string? Message, int NumPartitions, short ReplicationFactor);
