using Fjord.Broker.Network;
using Fjord.Broker.Quorum;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// ListClientMetricsResources, version 0 (KIP-1000): the names of every CLIENT_METRICS config resource (KIP-714
/// subscription) in this broker's committed metadata image; DescribeConfigs on resource type 16 reads their configs.
/// Thread-safe: reads the immutable image.
/// </summary>
public sealed class ListClientMetricsResourcesHandler(MetadataQuorum quorum) : ApiHandler<ListClientMetricsResourcesRequest, ListClientMetricsResourcesResponse>
{
    public override ApiKey ApiKey => ApiKey.ListClientMetricsResources;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, ListClientMetricsResourcesRequest request)
    {
        var response = new ListClientMetricsResourcesResponse();
        foreach (var resource in quorum.StateMachine.Image.Configs.Keys)
        {
            if (resource.Type == Metadata.Records.ConfigResourceType.ConfigResourceClientMetrics) response.ClientMetricsResources.Add(new() { Name = resource.Name });
        }
        return new(response);
    }

    protected override ListClientMetricsResourcesResponse ErrorResponse(ListClientMetricsResourcesRequest request, ErrorCode error) => new() { ErrorCode = (short)error };
}
