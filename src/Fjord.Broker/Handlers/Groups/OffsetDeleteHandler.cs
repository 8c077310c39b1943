using Fjord.Broker.Network;
using Fjord.Coordinator.Groups;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers.Groups;

/// <summary>
/// OffsetDelete, version 0 (KIP-496; librdkafka's DeleteConsumerGroupOffsets, kafka-consumer-groups --delete-offsets).
/// - Unknown group: GROUP_ID_NOT_FOUND. A non-empty group that is not a consumer group: NON_EMPTY_GROUP.
/// - In a live consumer group, partitions of subscribed topics answer GROUP_SUBSCRIBED_TO_TOPIC;
///   the others (and every partition of an empty group) are deleted with tombstones.
/// </summary>
public sealed class OffsetDeleteHandler(GroupCoordinatorService coordinator) : ApiHandler<OffsetDeleteRequest, OffsetDeleteResponse>
{
    public override ApiKey ApiKey => ApiKey.OffsetDelete;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, OffsetDeleteRequest request) =>
        await coordinator.DeleteOffsetsAsync(request).ConfigureAwait(false);

    protected override OffsetDeleteResponse ErrorResponse(OffsetDeleteRequest request, ErrorCode error) => new() { ErrorCode = (short)error };
}
