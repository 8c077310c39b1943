using Fjord.Protocol.Errors;

namespace Fjord.Metadata;

/// <summary>
/// One topic of a CreateTopics request. -1 partitions or replication factor means the broker default;
/// <see cref="Assignments"/> (partition → replicas, partitions 0..n-1) replaces placement. <see cref="TopicId"/>, when
/// set, is kept instead of a fresh id: a topic imported with logs that already exist (a migrated data directory). Immutable.
/// </summary>
public sealed record CreatableTopic(
    string Name,
    int NumPartitions = -1,
    short ReplicationFactor = -1,
    IReadOnlyDictionary<int, IReadOnlyList<int>>? Assignments = null,
    IReadOnlyDictionary<string, string>? Configs = null,
    Guid? TopicId = null);

/// <summary>The outcome for one topic of CreateTopics. Immutable.</summary>
public sealed record CreateTopicResult(string Name, Guid TopicId, ErrorCode Error, string? Message, int NumPartitions, short ReplicationFactor);
