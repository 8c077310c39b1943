using Fjord.Broker.Network;
using Fjord.Coordinator.Groups;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers.Groups;

/// <summary>
/// Heartbeat, versions 0-4 (advertised from 0 for librdkafka; kafka-python sends 1).
/// - Resets the member's session timeout; REBALANCE_IN_PROGRESS tells it to rejoin.
/// - Errors in Kafka's order: FENCED_INSTANCE_ID (v3+ static members), UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION.
/// </summary>
public sealed class HeartbeatHandler(GroupCoordinatorService coordinator) : ApiHandler<HeartbeatRequest, HeartbeatResponse>
{
    public override ApiKey ApiKey => ApiKey.Heartbeat;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, HeartbeatRequest request) =>
        await coordinator.HeartbeatAsync(request).ConfigureAwait(false);

    protected override HeartbeatResponse ErrorResponse(HeartbeatRequest request, ErrorCode error) => new() { ErrorCode = (short)error };
}
