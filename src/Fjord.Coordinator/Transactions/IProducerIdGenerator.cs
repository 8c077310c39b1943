using Fjord.Protocol.Errors;

namespace Fjord.Coordinator.Transactions;

/// <summary>
/// Hands out cluster-unique producer ids to the coordinator's event loop without blocking: the broker
/// allocates ids in blocks from the controller (AllocateProducerIds) ahead of need, and this takes the next
/// one from the block at hand. Called only on the coordinator's event loop.
/// </summary>
public interface IProducerIdGenerator
{
    /// <summary>
    /// The next producer id, or an error when none is at hand: COORDINATOR_LOAD_IN_PROGRESS while a block is
    /// still being fetched (Kafka's answer; clients retry), or what the allocation failed with.
    /// </summary>
    ErrorCode TryGenerate(out long producerId);
}
