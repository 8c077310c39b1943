using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Coordinator.Transactions;
using Fjord.Protocol.Errors;

namespace Fjord.Coordinator.Tests.Transactions;

/// <summary>A __transaction_state stand-in: the same in-memory partition logs as the offsets tests use. Thread-safe via its lock.</summary>
internal sealed class InMemoryTransactionStateLog : ITransactionStateLog
{
    public InMemoryConsumerOffsetsLog Inner { get; } = new();

    public int? PartitionCount => Inner.PartitionCount;

    public ErrorCode CreateTopic(int partitions) => Inner.CreateTopic(partitions);

    public ConsumerOffsetsAppend Append(int partition, ReadOnlyMemory<byte> batch) => Inner.Append(partition, batch);

    public ConsumerOffsetsChunk Read(int partition, long fromOffset, int maxBytes) => Inner.Read(partition, fromOffset, maxBytes);
}
