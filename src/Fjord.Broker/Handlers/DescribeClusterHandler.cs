using Fjord.Broker.Hosting;
using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Metadata.Acls;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// DescribeCluster, versions 0-1 (KIP-700).
/// - Brokers and controller come from <see cref="IClusterMembership"/>: the unfenced brokers of the
///   metadata image and the Raft leader.
/// - v1 EndpointType: 1 (brokers) is served; 2 (controllers) gets
///   INVALID_REQUEST: controllers are reached over the rpc listener, not the Kafka protocol (KIP-919 not served).
/// </summary>
public sealed class DescribeClusterHandler(IClusterMembership membership, ClusterIdentity identity, BrokerAuthorizer authorizer) : ApiHandler<DescribeClusterRequest, DescribeClusterResponse>
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
            ControllerId = membership.ControllerId,
            EndpointType = request.EndpointType,
            ClusterAuthorizedOperations = request.IncludeClusterAuthorizedOperations
                ? authorizer.AuthorizedOperations(context, AclResourceType.Cluster, AclBinding.ClusterResourceName, AclResourceOperations.Cluster)
                : AuthorizedOperations.NotRequested,
        };
        foreach (var broker in membership.LiveBrokers())
        {
            response.Brokers.Add(new DescribeClusterResponse.DescribeClusterBroker { BrokerId = broker.Id, Host = broker.Host, Port = broker.Port, Rack = broker.Rack });
        }

        return new(response);
    }

    protected override DescribeClusterResponse ErrorResponse(DescribeClusterRequest request, ErrorCode error) =>
        new() { ErrorCode = (short)error, ClusterId = identity.ClusterId, EndpointType = request.EndpointType };
}
