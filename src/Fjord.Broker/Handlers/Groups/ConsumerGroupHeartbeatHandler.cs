using Fjord.Broker.Groups;
using Fjord.Broker.Network;
using Fjord.Broker.Quorum;
using Fjord.Coordinator.Groups;
using Fjord.Metadata.Features;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers.Groups;

/// <summary>
/// ConsumerGroupHeartbeat (KIP-848, API 68), versions 0-1: the new consumer group protocol
/// (<c>group.protocol=consumer</c>). One request joins (epoch 0), heartbeats (current epoch, optionally
/// with the partitions the member owns), changes the subscription, or leaves (epoch -1, static -2).
/// - v0: the coordinator chooses the member id; v1 (KIP-1082): the client brings its own and must send it on join.
/// - Server-side assignors <c>uniform</c> (default) and <c>range</c>; another name answers UNSUPPORTED_ASSIGNOR.
/// - SubscribedTopicRegex (v1): RE2-style, whole-name match, internal topics excluded; an invalid one
///   answers INVALID_REGULAR_EXPRESSION (see SubscriptionRegex for the supported syntax).
/// - Errors: INVALID_REQUEST (malformed), UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH (rejoin with epoch 0),
///   UNRELEASED_INSTANCE_ID, GROUP_ID_NOT_FOUND for a classic group that has members and may not be upgraded
///   (group.consumer.migration.policy, protocol type other than <c>consumer</c>), NOT_COORDINATOR /
///   COORDINATOR_LOAD_IN_PROGRESS as for classic groups; UNSUPPORTED_VERSION while group.version is 0.
/// - Answered once the records of the step are appended to <c>__consumer_offsets</c>.
/// </summary>
public sealed class ConsumerGroupHeartbeatHandler(GroupCoordinatorService coordinator, MetadataQuorum quorum) : ApiHandler<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse>
{
    public override ApiKey ApiKey => ApiKey.ConsumerGroupHeartbeat;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, ConsumerGroupHeartbeatRequest request)
    {
        if (!GroupVersion.IsConsumerProtocolSupported(quorum.StateMachine.Image))
        {
            return ErrorResponse(request, ErrorCode.UnsupportedVersion);
        }

        return await coordinator.ConsumerGroupHeartbeatAsync(request, context.ApiVersion, context.ClientId ?? "", GroupClientHost.Of(context)).ConfigureAwait(false);
    }

    protected override ConsumerGroupHeartbeatResponse ErrorResponse(ConsumerGroupHeartbeatRequest request, ErrorCode error) => new() { ErrorCode = (short)error };
}
