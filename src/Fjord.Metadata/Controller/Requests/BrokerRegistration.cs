using Fjord.Protocol.Errors;

namespace Fjord.Metadata;

/// <summary>A broker process announcing itself at startup (KIP-631 BrokerRegistrationRequest). Immutable.</summary>
/// <param name="LogDirId">The id made when the broker's data directory was created (KIP-858); empty when unknown.</param>
public sealed record BrokerRegistrationRequest(int BrokerId, Guid IncarnationId, string? Rack, IReadOnlyList<BrokerEndpointInfo> Endpoints,
    Guid LogDirId = default);

/// <summary>The epoch the broker must put on every later request, or why it was refused. Immutable.</summary>
public sealed record BrokerRegistrationReply(ErrorCode Error, long BrokerEpoch);
