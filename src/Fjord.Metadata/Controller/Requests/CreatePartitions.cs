using Fjord.Protocol.Errors;

namespace Fjord.Metadata;

/// <summary>Grow a topic to <see cref="Count"/> partitions; <see cref="Assignments"/> covers the new ones only. Immutable.</summary>
public sealed record CreatePartitionsTopic(string Name, int Count, IReadOnlyList<IReadOnlyList<int>>? Assignments = null);

/// <summary>The outcome for one topic of a request that names topics. Immutable.</summary>
public sealed record TopicErrorResult(string Name, ErrorCode Error, string? Message);
