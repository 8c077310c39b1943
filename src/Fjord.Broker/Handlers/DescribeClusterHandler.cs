using Fjord.Broker.Configuration;
using Fjord.Broker.Hosting;
using Fjord.Broker.Network;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// DescribeCluster, versions 0-1 (KIP-700).
/// - Brokers: this node with its advertised endpoint and rack; it is also the controller.
/// - v1 EndpointType: 1 (brokers) is served; 2 (controllers) gets
///   INVALID_REQUEST until the controller quorum exposes its own endpoints.
/// </summary>
public sealed class DescribeClusterHandler(BrokerConfig config, ClusterIdentity identity) : ApiHandler<DescribeClusterRequest, DescribeClusterResponse>
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
            ControllerId = config.NodeId,
            EndpointType = request.EndpointType,
            ClusterAuthorizedOperations = request.IncludeClusterAuthorizedOperations ? AuthorizedOperations.Cluster : AuthorizedOperations.NotRequested,
        };
        response.Brokers.Add(new DescribeClusterResponse.DescribeClusterBroker
        {
            BrokerId = config.NodeId,
            Host = config.KafkaAdvertised.Host,
            Port = config.KafkaAdvertised.Port,
            Rack = config.Rack,
        });
        return new(response);
    }

    protected override DescribeClusterResponse ErrorResponse(DescribeClusterRequest request, ErrorCode error) =>
        new() { ErrorCode = (short)error, ClusterId = identity.ClusterId, EndpointType = request.EndpointType };
}
