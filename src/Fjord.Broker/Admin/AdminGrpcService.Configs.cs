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
        if (await IncrementalAlterConfigsAsync(Handlers.ConfigResourceType.Broker, request.Broker, request.SetConfigs, request.DeleteConfigs,
                request.ValidateOnly, context).ConfigureAwait(false) is { } refused)
            return new AlterBrokerConfigsResponse { Error = refused };
        var image = request.ValidateOnly
            ? quorum.StateMachine.Image
            : await ImageWhereAsync(i => ShowsChange(BrokerOverrides(i, request.Broker), request), context.CancellationToken).ConfigureAwait(false);
        var response = new AlterBrokerConfigsResponse { Error = new Error() };
        foreach (var (key, value) in BrokerOverrides(image, request.Broker)) response.Configs[key] = value;
        return response;
    }

    /// <summary>
    /// One IncrementalAlterConfigs resource (SET and DELETE) through this node's handler, which runs it on the controller
    /// or forwards it there like a Kafka client's request; the error when refused, null when it succeeded.
    /// </summary>
    private async Task<Error?> IncrementalAlterConfigsAsync(Handlers.ConfigResourceType type, string name, IDictionary<string, string> set,
        IEnumerable<string> delete, bool validateOnly, ServerCallContext context)
    {
        var kafka = new IncrementalAlterConfigsRequest { ValidateOnly = validateOnly };
        var resource = new IncrementalAlterConfigsRequest.AlterConfigsResource { ResourceType = (sbyte)type, ResourceName = name };
        foreach (var (key, value) in set)
            resource.Configs.Add(new() { Name = key, ConfigOperation = (sbyte)AlterConfigOp.Set, Value = value });
        foreach (var key in delete)
            resource.Configs.Add(new() { Name = key, ConfigOperation = (sbyte)AlterConfigOp.Delete, Value = null });
        kafka.Resources.Add(resource);
        var response = await KafkaAsync<IncrementalAlterConfigsResponse>(kafka, 1, context).ConfigureAwait(false);
        var result = response.Responses.FirstOrDefault();
        if (result is null) return ErrorOf(ErrorCode.UnknownServerError, $"No result for the {type} resource.");
        return result.ErrorCode != 0 ? ErrorOf(result.ErrorCode, result.ErrorMessage) : null;
    }

    private static IReadOnlyDictionary<string, string> BrokerOverrides(MetadataImage image, string broker) =>
        image.Configs.TryGetValue(ConfigResource.Broker(broker), out var configs) ? configs : new Dictionary<string, string>();

    private static bool ShowsChange(IReadOnlyDictionary<string, string> overrides, AlterBrokerConfigsRequest request) =>
        request.SetConfigs.All(c => overrides.TryGetValue(c.Key, out var v) && v == c.Value)
        && request.DeleteConfigs.All(k => !overrides.ContainsKey(k));
}
