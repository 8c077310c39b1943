using Fjord.Broker.Network;
using Fjord.Coordinator.Groups;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers.Groups;

/// <summary>
/// LeaveGroup, versions 0-5 (advertised from 0 for librdkafka; kafka-python sends 1, kafkajs 3).
/// - v0-2: one MemberId; the member's error is the response's error.
/// - v3+ (KIP-345): a batch of members, each by member id or by group.instance.id alone (admin
///   removal of static members); errors per member, the top-level error only for the whole request.
/// - The group rebalances without the leavers; the last one leaving makes it Empty.
/// </summary>
public sealed class LeaveGroupHandler(GroupCoordinatorService coordinator) : ApiHandler<LeaveGroupRequest, LeaveGroupResponse>
{
    public override ApiKey ApiKey => ApiKey.LeaveGroup;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, LeaveGroupRequest request)
    {
        if (context.ApiVersion >= 3)
        {
            return await coordinator.LeaveGroupAsync(request.GroupId, request.Members).ConfigureAwait(false);
        }

        var single = new LeaveGroupRequest.MemberIdentity { MemberId = request.MemberId };
        var response = await coordinator.LeaveGroupAsync(request.GroupId, [single]).ConfigureAwait(false);
        if (response.ErrorCode == 0 && response.Members.Count > 0)
        {
            response.ErrorCode = response.Members[0].ErrorCode;
        }

        response.Members.Clear();
        return response;
    }

    protected override LeaveGroupResponse ErrorResponse(LeaveGroupRequest request, ErrorCode error) => new() { ErrorCode = (short)error };
}
