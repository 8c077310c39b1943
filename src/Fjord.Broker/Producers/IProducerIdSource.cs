using Fjord.Protocol.Errors;

namespace Fjord.Broker.Producers;

/// <summary>
/// Where InitProducerId takes fresh producer ids from: blocks the active controller allocates
/// (<see cref="PrefetchingProducerIdSource"/>, KIP-730), so no two brokers ever hand out the same id.
/// Implementations are thread-safe; called concurrently by request handlers.
/// </summary>
public interface IProducerIdSource
{
    /// <summary>
    /// The next unused producer id, or the Kafka error to answer with when none is available now
    /// (COORDINATOR_LOAD_IN_PROGRESS: retriable, the client asks again).
    /// </summary>
    ValueTask<ProducerIdGrant> NextProducerIdAsync(CancellationToken cancel);
}

/// <summary>A producer id, or why there is none. Immutable value.</summary>
public readonly record struct ProducerIdGrant(ErrorCode Error, long ProducerId)
{
    public static ProducerIdGrant Of(long producerId) => new(ErrorCode.None, producerId);

    public static ProducerIdGrant Failed(ErrorCode error) => new(error, -1);
}
