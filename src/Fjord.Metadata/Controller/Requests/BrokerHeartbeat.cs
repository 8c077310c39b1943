using Fjord.Protocol.Errors;

namespace Fjord.Metadata;

/// <summary>
/// A broker's periodic heartbeat (KIP-631). <see cref="WantFence"/> stays true until the broker has caught
/// up with the metadata log; <see cref="WantShutDown"/> starts a controlled shutdown. Immutable.
/// </summary>
public sealed record BrokerHeartbeatRequest(int BrokerId, long BrokerEpoch, bool WantFence, bool WantShutDown);

/// <summary>The broker's state as the controller sees it after the heartbeat. Immutable.</summary>
public sealed record BrokerHeartbeatReply(ErrorCode Error, bool IsFenced, bool InControlledShutdown, bool ShouldShutDown);
