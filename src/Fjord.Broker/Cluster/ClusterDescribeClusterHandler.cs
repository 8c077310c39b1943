using Fjord.Broker.Hosting;
using Fjord.Broker.Handlers;
using Fjord.Broker.Network;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Cluster;

/// <summary>
/// DescribeCluster, versions 0-1 (KIP-700), in cluster mode: every registered, unfenced broker from the
/// committed image; ControllerId is the active controller (Raft leader), -1 while there is none.
/// v1 EndpointType 2 (controllers) gets INVALID_REQUEST as in single-node mode.
/// </summary>
public sealed class ClusterDescribeClusterHandler(MetadataQuorum quorum, ClusterIdentity identity) : ApiHandler<DescribeClusterRequest, DescribeClusterResponse>
{
    private const sbyte BrokersEndpoint = 1;

    public override ApiKey ApiKey => ApiKey.DescribeCluster;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, DescribeClusterRequest request)
    {
        if (request.EndpointType != BrokersEndpoint)
        {
            var error = ErrorResponse(request, ErrorCode.InvalidRequest);
            error.ErrorMessage = "Only broker endpoints (EndpointType 1) can be described";
            return new(error);
        }
        var response = new DescribeClusterResponse
        {
            ClusterId = identity.ClusterId,
            ControllerId = quorum.LeaderNodeId,
            EndpointType = request.EndpointType,
            ClusterAuthorizedOperations = request.IncludeClusterAuthorizedOperations ? AuthorizedOperations.Cluster : AuthorizedOperations.NotRequested,
        };
        foreach (var broker in ClusterMetadataHandler.LiveBrokers(quorum.StateMachine.Image))
        {
            var endpoint = broker.Endpoints[0];
            response.Brokers.Add(new DescribeClusterResponse.DescribeClusterBroker { BrokerId = broker.Id, Host = endpoint.Host, Port = endpoint.Port, Rack = broker.Rack });
        }
        return new(response);
    }

    protected override DescribeClusterResponse ErrorResponse(DescribeClusterRequest request, ErrorCode error) =>
        new() { ErrorCode = (short)error, ClusterId = identity.ClusterId, EndpointType = request.EndpointType };
}
