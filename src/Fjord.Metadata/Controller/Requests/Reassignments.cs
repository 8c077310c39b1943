using Fjord.Protocol.Errors;

namespace Fjord.Metadata;

/// <summary>Move one partition to <see cref="TargetReplicas"/>, or cancel its reassignment when null (KIP-455). Immutable.</summary>
public sealed record ReassignmentRequest(string Topic, int Partition, IReadOnlyList<int>? TargetReplicas);

/// <summary>The outcome for one partition of AlterPartitionReassignments. Immutable.</summary>
public sealed record ReassignmentResult(string Topic, int Partition, ErrorCode Error, string? Message);

/// <summary>A reassignment in progress (ListPartitionReassignments). Immutable.</summary>
public sealed record OngoingReassignment(
    string Topic, int Partition, IReadOnlyList<int> Replicas, IReadOnlyList<int> AddingReplicas, IReadOnlyList<int> RemovingReplicas);

/// <summary>The outcome of DrainBroker: how many partitions are being moved off it. Immutable.</summary>
public sealed record DrainBrokerResult(ErrorCode Error, int ReassignedPartitions, string? Message);
