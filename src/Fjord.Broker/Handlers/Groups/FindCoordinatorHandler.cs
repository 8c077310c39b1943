using Fjord.Broker.Configuration;
using Fjord.Broker.Network;
using Fjord.Coordinator.Groups;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers.Groups;

/// <summary>
/// FindCoordinator, versions 0-5 (v0 kept for librdkafka's feature checks and kafka-python, KAFKA-18270).
/// - v0-3 ask for one key; v4+ batch keys in CoordinatorKeys and get one Coordinator entry each.
/// - Key type 0 (group): creates <c>__consumer_offsets</c> on first use, as Kafka does, and answers
///   with this node, which leads every partition of a single-node broker. Cluster mode replaces this
///   handler with <c>ClusterFindCoordinatorHandler</c> (the partition leader from the metadata image).
/// - Key type 1 (transaction): COORDINATOR_NOT_AVAILABLE with a message saying Fjord has no
///   transaction coordinator yet. Other key types: INVALID_REQUEST.
/// - An empty group id is INVALID_REQUEST.
/// </summary>
public sealed class FindCoordinatorHandler(GroupCoordinatorService coordinator, BrokerConfig config) : ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse>
{
    private const sbyte GroupKeyType = 0;
    private const sbyte TransactionKeyType = 1;

    public override ApiKey ApiKey => ApiKey.FindCoordinator;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, FindCoordinatorRequest request)
    {
        var response = new FindCoordinatorResponse();
        if (context.ApiVersion >= 4)
        {
            foreach (var key in request.CoordinatorKeys)
            {
                var (error, message) = Find(key, request.KeyType);
                response.Coordinators.Add(new FindCoordinatorResponse.Coordinator
                {
                    Key = key,
                    NodeId = error == ErrorCode.None ? config.NodeId : -1,
                    Host = error == ErrorCode.None ? config.KafkaAdvertised.Host : "",
                    Port = error == ErrorCode.None ? config.KafkaAdvertised.Port : -1,
                    ErrorCode = (short)error,
                    ErrorMessage = message,
                });
            }

            return new(response);
        }

        var (singleError, singleMessage) = Find(request.Key, context.ApiVersion >= 1 ? request.KeyType : GroupKeyType);
        response.ErrorCode = (short)singleError;
        response.ErrorMessage = context.ApiVersion >= 1 ? singleMessage : null;
        response.NodeId = singleError == ErrorCode.None ? config.NodeId : -1;
        response.Host = singleError == ErrorCode.None ? config.KafkaAdvertised.Host : "";
        response.Port = singleError == ErrorCode.None ? config.KafkaAdvertised.Port : -1;
        return new(response);
    }

    private (ErrorCode Error, string? Message) Find(string key, sbyte keyType)
    {
        switch (keyType)
        {
            case GroupKeyType when string.IsNullOrEmpty(key):
                return (ErrorCode.InvalidRequest, "The group id must not be empty.");
            case GroupKeyType:
                var created = coordinator.EnsureOffsetsTopic();
                return created == ErrorCode.None ? (ErrorCode.None, null) : (ErrorCode.CoordinatorNotAvailable, $"__consumer_offsets could not be created: {created}");
            case TransactionKeyType:
                return (ErrorCode.CoordinatorNotAvailable, "Fjord has no transaction coordinator yet.");
            default:
                return (ErrorCode.InvalidRequest, $"Unknown coordinator key type {keyType}.");
        }
    }

    protected override FindCoordinatorResponse ErrorResponse(FindCoordinatorRequest request, ErrorCode error)
    {
        var response = new FindCoordinatorResponse { ErrorCode = (short)error, NodeId = -1, Host = "", Port = -1 };
        foreach (var key in request.CoordinatorKeys)
        {
            response.Coordinators.Add(new FindCoordinatorResponse.Coordinator { Key = key, NodeId = -1, Host = "", Port = -1, ErrorCode = (short)error });
        }

        return response;
    }
}
