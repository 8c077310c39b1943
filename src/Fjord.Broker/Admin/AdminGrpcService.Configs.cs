using Fjord.Metadata;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Rpc.Admin;
using Grpc.Core;

namespace Fjord.Broker.Admin;

// Dynamic broker configs (KIP-226): the cluster-wide default ("") or one broker's overrides.
public sealed partial class AdminGrpcService
{
    public override Task<DescribeBrokerConfigsResponse> DescribeBrokerConfigs(DescribeBrokerConfigsRequest request, ServerCallContext context)
    {
        var response = new DescribeBrokerConfigsResponse { Error = new Error() };
        foreach (var (key, value) in BrokerOverrides(quorum.StateMachine.Image, request.Broker)) response.Configs[key] = value;
        return Task.FromResult(response);
    }

    /// <summary>
    /// One IncrementalAlterConfigs BROKER resource through this node's handler (run on, or forwarded to, the controller),
    /// so a static or unknown name and a bad value are refused exactly as for a Kafka client; then the overrides as
    /// this node's image shows them.
    /// </summary>
    public override async Task<AlterBrokerConfigsResponse> AlterBrokerConfigs(AlterBrokerConfigsRequest request, ServerCallContext context)
    {
        var kafka = new IncrementalAlterConfigsRequest { ValidateOnly = request.ValidateOnly };
        var resource = new IncrementalAlterConfigsRequest.AlterConfigsResource { ResourceType = (sbyte)Handlers.ConfigResourceType.Broker, ResourceName = request.Broker };
        foreach (var (name, value) in request.SetConfigs)
            resource.Configs.Add(new() { Name = name, ConfigOperation = (sbyte)AlterConfigOp.Set, Value = value });
        foreach (var name in request.DeleteConfigs)
            resource.Configs.Add(new() { Name = name, ConfigOperation = (sbyte)AlterConfigOp.Delete, Value = null });
        kafka.Resources.Add(resource);
        var answer = await KafkaAsync<IncrementalAlterConfigsResponse>(kafka, 1, context).ConfigureAwait(false);
        var result = answer.Responses.FirstOrDefault();
        if (result is null || result.ErrorCode != 0)
            return new AlterBrokerConfigsResponse { Error = result is null ? ErrorOf(ErrorCode.UnknownServerError, "No result for the broker resource.") : ErrorOf(result.ErrorCode, result.ErrorMessage) };
        var image = request.ValidateOnly
            ? quorum.StateMachine.Image
            : await ImageWhereAsync(i => ShowsChange(BrokerOverrides(i, request.Broker), request), context.CancellationToken).ConfigureAwait(false);
        var response = new AlterBrokerConfigsResponse { Error = new Error() };
        foreach (var (key, value) in BrokerOverrides(image, request.Broker)) response.Configs[key] = value;
        return response;
    }

    private static IReadOnlyDictionary<string, string> BrokerOverrides(MetadataImage image, string broker) =>
        image.Configs.TryGetValue(ConfigResource.Broker(broker), out var configs) ? configs : new Dictionary<string, string>();

    private static bool ShowsChange(IReadOnlyDictionary<string, string> overrides, AlterBrokerConfigsRequest request) =>
        request.SetConfigs.All(c => overrides.TryGetValue(c.Key, out var v) && v == c.Value)
        && request.DeleteConfigs.All(k => !overrides.ContainsKey(k));
}
