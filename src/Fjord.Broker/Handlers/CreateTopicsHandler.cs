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
/// CreateTopics, versions 2-7: the request becomes a <see cref="QuorumController.CreateTopics"/>
/// command on the active controller, answered once its records commit. A broker that is not the
/// controller forwards the request to it (KIP-590, <see cref="ControllerRequestRouter"/>) and answers
/// NOT_CONTROLLER only when that fails (clients then retry against Metadata's ControllerId). Replicas open
/// their partition logs when the records reach them (<see cref="BrokerMetadataPublisher"/>).
/// - With an authorizer, a topic needs CREATE on the cluster or on itself, else TOPIC_AUTHORIZATION_FAILED (Kafka).
/// </summary>
public sealed class CreateTopicsHandler(ControllerRequestRouter router, BrokerAuthorizer authorizer) : ApiHandler<CreateTopicsRequest, CreateTopicsResponse>
{
    public override ApiKey ApiKey => ApiKey.CreateTopics;

    public override short MinVersion => 2;

    public override short MaxVersion => 7;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, CreateTopicsRequest request)
    {
        var clusterCreate = authorizer.AuthorizeCluster(context, AclOperation.Create);
        var denied = request.Topics.Where(t => !clusterCreate && !authorizer.Authorize(context, AclOperation.Create, AclResourceType.Topic, t.Name))
            .Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var topics = request.Topics.Where(t => !denied.Contains(t.Name)).Select(t => new CreatableTopic(
            t.Name,
            t.NumPartitions,
            t.ReplicationFactor,
            t.Assignments.Count == 0 ? null : t.Assignments.ToDictionary(a => a.PartitionIndex, a => (IReadOnlyList<int>)[.. a.BrokerIds]),
            t.Configs.Count == 0 ? null : t.Configs.Where(c => c.Value is not null).ToDictionary(c => c.Name, c => c.Value!))).ToList();
        return await router.RunAsync<IReadOnlyList<CreateTopicResult>, CreateTopicsResponse>(context, request,
            c => c.CreateTopics(topics, request.validateOnly), results => Respond(results, denied), error => ErrorResponse(request, error)).ConfigureAwait(false);
    }

    private static CreateTopicsResponse Respond(IReadOnlyList<CreateTopicResult> results, IEnumerable<string> denied)
    {
        var response = new CreateTopicsResponse();
        foreach (var name in denied)
            response.Topics.Add(new CreateTopicsResponse.CreatableTopicResult { Name = name, ErrorCode = (short)ErrorCode.TopicAuthorizationFailed, Configs = null });
        foreach (var r in results)
        {
            response.Topics.Add(r.Error == ErrorCode.None
                ? new CreateTopicsResponse.CreatableTopicResult { Name = r.Name, TopicId = TopicIds.ToUuid(r.TopicId), NumPartitions = r.NumPartitions, ReplicationFactor = r.ReplicationFactor, Configs = [] }
                : new CreateTopicsResponse.CreatableTopicResult { Name = r.Name, ErrorCode = (short)r.Error, ErrorMessage = r.Message, Configs = null });
        }
        return response;
    }

    protected override CreateTopicsResponse ErrorResponse(CreateTopicsRequest request, ErrorCode error)
    {
        var response = new CreateTopicsResponse();
        foreach (var topic in request.Topics)
            response.Topics.Add(new CreateTopicsResponse.CreatableTopicResult { Name = topic.Name, ErrorCode = (short)error, Configs = null });
        return response;
    }
}
