using Fjord.Protocol.Errors;

namespace Fjord.Metadata;

/// <summary>
/// A partition leader asking to change ISRs (KIP-497 AlterPartition): it names the leader epoch and
/// partition epoch it acts on, so a stale request is fenced. Immutable.
/// </summary>
public sealed record AlterPartitionRequest(int BrokerId, long BrokerEpoch, IReadOnlyList<AlterPartitionItem> Partitions);

/// <summary>One partition's proposed ISR. Immutable.</summary>
public sealed record AlterPartitionItem(Guid TopicId, int Partition, int LeaderEpoch, IReadOnlyList<int> NewIsr, int PartitionEpoch);

/// <summary>The partition's state after the request (or its current state with the error). Immutable.</summary>
public sealed record AlterPartitionResult(
    Guid TopicId, int Partition, ErrorCode Error, int Leader, int LeaderEpoch, IReadOnlyList<int> Isr, int PartitionEpoch);
