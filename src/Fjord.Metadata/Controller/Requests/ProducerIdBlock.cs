using Fjord.Protocol.Errors;

namespace Fjord.Metadata;

/// <summary>A block of producer ids [First, First+Size) for one broker (KIP-730 AllocateProducerIds). Immutable.</summary>
public sealed record ProducerIdBlock(ErrorCode Error, long FirstProducerId, int Size);
