using Fjord.Broker.Configuration;
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
/// DeleteTopics, versions 1-6: one <see cref="QuorumController.DeleteTopics"/> command on the
/// active controller (RemoveTopicRecord per topic), answered once committed; every replica then deletes its
/// logs (<see cref="BrokerMetadataPublisher"/>). A broker that is not the controller forwards the request to it
/// (KIP-590, <see cref="ControllerRequestRouter"/>), answering NOT_CONTROLLER only when that fails. delete.topic.enable=false answers TOPIC_DELETION_DISABLED.
/// With an authorizer, a topic the principal may not DELETE gets TOPIC_AUTHORIZATION_FAILED (named by id: once the id
/// resolves to a name).
/// </summary>
public sealed class DeleteTopicsHandler(ControllerRequestRouter router, BrokerConfig config, BrokerAuthorizer authorizer, MetadataQuorum quorum) : ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse>
{
    public override ApiKey ApiKey => ApiKey.DeleteTopics;

    public override short MinVersion => 1;

    public override short MaxVersion => 6;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, DeleteTopicsRequest request)
    {
        if (!config.DeleteTopicEnable) return ErrorResponse(request, ErrorCode.TopicDeletionDisabled);
        var names = new List<string>();
        var ids = new List<Guid>();
        if (context.ApiVersion >= 6)
        {
            foreach (var topic in request.Topics)
            {
                if (topic.Name is not null) names.Add(topic.Name);
                else ids.Add(TopicIds.ToGuid(topic.TopicId));
            }
        }
        else
        {
            names.AddRange(request.TopicNames);
        }
        var image = quorum.StateMachine.Image;
        bool Denied(string name) => !authorizer.Authorize(context, AclOperation.Delete, AclResourceType.Topic, name);
        var denied = names.Where(Denied).Select(n => new DeleteTopicResult(n, Guid.Empty, ErrorCode.TopicAuthorizationFailed, null))
            .Concat(ids.Where(id => image.GetTopic(id) is { } t && Denied(t.Name)).Select(id => new DeleteTopicResult(null, id, ErrorCode.TopicAuthorizationFailed, null)))
            .ToList();
        names.RemoveAll(Denied);
        ids.RemoveAll(id => image.GetTopic(id) is { } t && Denied(t.Name));
        return await router.RunAsync<IReadOnlyList<DeleteTopicResult>, DeleteTopicsResponse>(context, request,
            c => c.DeleteTopics(names, ids), results => Respond([.. denied, .. results]), error => ErrorResponse(request, error)).ConfigureAwait(false);
    }

    private static DeleteTopicsResponse Respond(IReadOnlyList<DeleteTopicResult> results)
    {
        var response = new DeleteTopicsResponse();
        foreach (var r in results)
        {
            response.Responses.Add(new DeleteTopicsResponse.DeletableTopicResult
            {
                Name = r.Name,
                TopicId = r.TopicId == Guid.Empty ? Uuid.Zero : TopicIds.ToUuid(r.TopicId),
                ErrorCode = (short)r.Error,
                ErrorMessage = r.Message,
            });
        }
        return response;
    }

    protected override DeleteTopicsResponse ErrorResponse(DeleteTopicsRequest request, ErrorCode error)
    {
        var response = new DeleteTopicsResponse();
        foreach (var name in request.TopicNames)
            response.Responses.Add(new DeleteTopicsResponse.DeletableTopicResult { Name = name, ErrorCode = (short)error });
        foreach (var topic in request.Topics)
            response.Responses.Add(new DeleteTopicsResponse.DeletableTopicResult { Name = topic.Name, TopicId = topic.TopicId, ErrorCode = (short)error });
        return response;
    }
}
