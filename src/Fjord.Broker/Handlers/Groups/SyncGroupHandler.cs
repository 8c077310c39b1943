using Fjord.Broker.Network;
using Fjord.Coordinator.Groups;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers.Groups;

/// <summary>
/// SyncGroup, versions 0-5 (advertised from 0 for librdkafka; kafka-python sends 1, kafkajs 3).
/// - Followers' requests wait for the leader's, which carries everyone's assignment; all are answered
///   once the group snapshot is in <c>__consumer_offsets</c>.
/// - In a stable group the member's current assignment is returned at once (a lost response).
/// - v5+: ProtocolType/ProtocolName must match the group's, else INCONSISTENT_GROUP_PROTOCOL.
/// </summary>
public sealed class SyncGroupHandler(GroupCoordinatorService coordinator) : ApiHandler<SyncGroupRequest, SyncGroupResponse>
{
    public override ApiKey ApiKey => ApiKey.SyncGroup;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, SyncGroupRequest request) =>
        await coordinator.SyncGroupAsync(request, context.ApiVersion).ConfigureAwait(false);

    protected override SyncGroupResponse ErrorResponse(SyncGroupRequest request, ErrorCode error) =>
        new() { ErrorCode = (short)error, Assignment = [] };
}
