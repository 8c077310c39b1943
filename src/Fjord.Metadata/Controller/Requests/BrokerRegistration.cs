using Fjord.Protocol.Errors;

namespace Fjord.Metadata;

/// <summary>A broker process announcing itself at startup (KIP-631 BrokerRegistrationRequest). Immutable.</summary>
public sealed record BrokerRegistrationRequest(int BrokerId, Guid IncarnationId, string? Rack, IReadOnlyList<BrokerEndpointInfo> Endpoints);

/// <summary>The epoch the broker must put on every later request, or why it was refused. Immutable.</summary>
public sealed record BrokerRegistrationReply(ErrorCode Error, long BrokerEpoch);
