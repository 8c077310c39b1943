using Fjord.Metadata;

namespace Fjord.Broker.Producers;

/// <summary>
/// Asks the active controller for the next block of producer ids (KIP-730 AllocateProducerIds).
/// Implementations are thread-safe.
/// </summary>
public interface IProducerIdBlockAllocator
{
    /// <summary>
    /// A new block, or the controller's error in <see cref="ProducerIdBlock.Error"/> (NOT_CONTROLLER,
    /// STALE_BROKER_EPOCH, BROKER_ID_NOT_REGISTERED, …). Throws only on transport failures.
    /// </summary>
    Task<ProducerIdBlock> AllocateAsync(CancellationToken cancel);
}
