using Fjord.Broker.Network;
using Fjord.Coordinator.Groups;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Broker.Groups;

namespace Fjord.Broker.Handlers.Groups;

/// <summary>
/// JoinGroup, versions 0-9 (advertised from 0: librdkafka before 2.11.1 enables consumer groups only
/// when v0 is listed; kafka-python sends 2, kafkajs 5).
/// - v0 has no rebalance timeout: the session timeout stands in for it.
/// - v4+ (KIP-394): a first join without member id gets MEMBER_ID_REQUIRED with the id to use;
///   static members (group.instance.id, v5+, KIP-345) skip that step.
/// - The response waits until the join phase completes (all members rejoined, the rebalance timeout,
///   or for a new group group.initial.rebalance.delay.ms); the leader gets the member list.
/// - v7+ carry ProtocolType; v9 (KIP-814) SkipAssignment for a static leader rejoining a stable group.
/// </summary>
public sealed class JoinGroupHandler(GroupCoordinatorService coordinator) : ApiHandler<JoinGroupRequest, JoinGroupResponse>
{
    public override ApiKey ApiKey => ApiKey.JoinGroup;

    public override short MinVersion => 0;

    public override short MaxVersion => 9;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, JoinGroupRequest request) =>
        await coordinator.JoinGroupAsync(request, context.ApiVersion, context.ClientId ?? "", GroupClientHost.Of(context)).ConfigureAwait(false);

    protected override JoinGroupResponse ErrorResponse(JoinGroupRequest request, ErrorCode error) =>
        new() { ErrorCode = (short)error, GenerationId = -1, ProtocolName = "", Leader = "", MemberId = request.MemberId };
}
