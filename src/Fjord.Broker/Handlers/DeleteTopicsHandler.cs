using Fjord.Broker.Network;
using Fjord.Broker.Topics;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// DeleteTopics, versions 1-6.
/// - v0-5 name topics in TopicNames; v6 names them in Topics by name or by id.
/// - An unknown name gets UNKNOWN_TOPIC_OR_PARTITION, an unknown id UNKNOWN_TOPIC_ID.
/// - delete.topic.enable=false answers TOPIC_DELETION_DISABLED.
/// - Logs are renamed aside and removed in the background, as Kafka does.
/// </summary>
public sealed class DeleteTopicsHandler(TopicRegistry topics) : ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse>
{
    public override ApiKey ApiKey => ApiKey.DeleteTopics;

    public override short MinVersion => 1;

    public override short MaxVersion => 6;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, DeleteTopicsRequest request)
    {
        var response = new DeleteTopicsResponse();
        foreach (var (name, id) in Requested(request, context.ApiVersion))
        {
            var result = new DeleteTopicsResponse.DeletableTopicResult { Name = name, TopicId = id };
            string? resolvedName = name;
            if (name is null)
            {
                if (topics.TryGet(id, out var byId))
                {
                    resolvedName = byId.Name;
                    result.Name = byId.Name;
                }
                else
                {
                    result.ErrorCode = (short)ErrorCode.UnknownTopicId;
                    result.ErrorMessage = $"Topic id {id} does not exist";
                    response.Responses.Add(result);
                    continue;
                }
            }

            var deleted = topics.Delete(resolvedName!);
            result.ErrorCode = (short)deleted.Error;
            result.ErrorMessage = deleted.Message;
            if (deleted.Topic is { } topic)
            {
                result.TopicId = topic.TopicId;
            }

            response.Responses.Add(result);
        }

        return new(response);
    }

    private static IEnumerable<(string? Name, Uuid Id)> Requested(DeleteTopicsRequest request, short version) =>
        version >= 6
            ? request.Topics.Select(t => (t.Name, t.TopicId))
            : request.TopicNames.Select(n => ((string?)n, Uuid.Zero));

    protected override DeleteTopicsResponse ErrorResponse(DeleteTopicsRequest request, ErrorCode error)
    {
        var response = new DeleteTopicsResponse();
        foreach (var name in request.TopicNames)
        {
            response.Responses.Add(new DeleteTopicsResponse.DeletableTopicResult { Name = name, ErrorCode = (short)error });
        }

        foreach (var topic in request.Topics)
        {
            response.Responses.Add(new DeleteTopicsResponse.DeletableTopicResult { Name = topic.Name, TopicId = topic.TopicId, ErrorCode = (short)error });
        }

        return response;
    }
}
