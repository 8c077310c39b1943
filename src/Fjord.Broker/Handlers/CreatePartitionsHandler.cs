using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Metadata.Acls;
using Fjord.Metadata;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Handlers;

/// <summary>
/// CreatePartitions, versions 0-3: a <see cref="QuorumController.CreatePartitions"/> command
/// on the active controller (placement with the replication factor of partition 0, or the given
/// assignments), answered once committed. A topic named twice gets INVALID_REQUEST; a broker that is not
/// the controller forwards the request to it (KIP-590, <see cref="ControllerRequestRouter"/>), and answers
/// NOT_CONTROLLER only when that fails (clients then retry against Metadata's ControllerId).
/// </summary>
public sealed class CreatePartitionsHandler(ControllerRequestRouter router, BrokerAuthorizer authorizer) : ApiHandler<CreatePartitionsRequest, CreatePartitionsResponse>
{
    public override ApiKey ApiKey => ApiKey.CreatePartitions;

    public override short MinVersion => 0;

    public override short MaxVersion => 3;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, CreatePartitionsRequest request)
    {
        var duplicates = request.Topics.GroupBy(t => t.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        // Kafka: growing a topic needs ALTER on it.
        var denied = request.Topics.Where(t => !duplicates.Contains(t.Name) && !authorizer.Authorize(context, AclOperation.Alter, AclResourceType.Topic, t.Name))
            .Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var commands = request.Topics.Where(t => !duplicates.Contains(t.Name) && !denied.Contains(t.Name)).Select(t => new CreatePartitionsTopic(
            t.Name, t.Count, t.Assignments?.Select(a => (IReadOnlyList<int>)[.. a.BrokerIds]).ToList())).ToList();
        return await router.RunAsync<IReadOnlyList<TopicErrorResult>, CreatePartitionsResponse>(context, request,
            c => c.CreatePartitions(commands, request.ValidateOnly), results =>
            {
                var response = new CreatePartitionsResponse();
                foreach (var name in duplicates)
                    response.Results.Add(new CreatePartitionsResponse.CreatePartitionsTopicResult { Name = name, ErrorCode = (short)ErrorCode.InvalidRequest, ErrorMessage = "Duplicate topic in request." });
                foreach (var name in denied)
                    response.Results.Add(new CreatePartitionsResponse.CreatePartitionsTopicResult { Name = name, ErrorCode = (short)ErrorCode.TopicAuthorizationFailed });
                foreach (var r in results)
                    response.Results.Add(new CreatePartitionsResponse.CreatePartitionsTopicResult { Name = r.Name, ErrorCode = (short)r.Error, ErrorMessage = r.Message });
                return response;
            }, error => ErrorResponse(request, error)).ConfigureAwait(false);
    }

    protected override CreatePartitionsResponse ErrorResponse(CreatePartitionsRequest request, ErrorCode error)
    {
        var response = new CreatePartitionsResponse();
        foreach (var topic in request.Topics)
            response.Results.Add(new CreatePartitionsResponse.CreatePartitionsTopicResult { Name = topic.Name, ErrorCode = (short)error });
        return response;
    }
}
