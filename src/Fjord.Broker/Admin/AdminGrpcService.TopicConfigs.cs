using System.Globalization;
using Fjord.Broker.Configuration;
using Fjord.Rpc.Admin;
using Grpc.Core;

namespace Fjord.Broker.Admin;

// Topic config definitions: the names a topic config may have, so the operator can report a misspelt key.
public sealed partial class AdminGrpcService
{
    public override Task<DescribeTopicConfigDefinitionsResponse> DescribeTopicConfigDefinitions(
        DescribeTopicConfigDefinitionsRequest request, ServerCallContext context)
    {
        var response = new DescribeTopicConfigDefinitionsResponse();
        foreach (var definition in TopicConfigDefinitions.All)
        {
            var config = new TopicConfigDefinition
            {
                Name = definition.Name,
                Type = definition.Type.ToString().ToLower(CultureInfo.InvariantCulture),
                Documentation = definition.Documentation,
            };
            if (definition.Default is not null) config.DefaultValue = definition.Default;
            response.Configs.Add(config);
        }
        return Task.FromResult(response);
    }
}
