using Fjord.Broker.Configuration;
using Fjord.Broker.Network;
using Fjord.Broker.Topics;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// CreatePartitions, versions 0-3.
/// - Count is the new total; it must exceed the current count (INVALID_PARTITIONS otherwise).
/// - Assignments, when given, must hold one entry per new partition naming only this node.
/// - A topic named twice fails with INVALID_REQUEST; ValidateOnly changes nothing.
/// </summary>
public sealed class CreatePartitionsHandler(TopicRegistry topics, BrokerConfig config) : ApiHandler<CreatePartitionsRequest, CreatePartitionsResponse>
{
    public override ApiKey ApiKey => ApiKey.CreatePartitions;

    public override short MinVersion => 0;

    public override short MaxVersion => 3;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, CreatePartitionsRequest request)
    {
        var response = new CreatePartitionsResponse();
        var duplicates = request.Topics.GroupBy(t => t.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        foreach (var topic in request.Topics)
        {
            var result = new CreatePartitionsResponse.CreatePartitionsTopicResult { Name = topic.Name };
            if (duplicates.Contains(topic.Name))
            {
                result.ErrorCode = (short)ErrorCode.InvalidRequest;
                result.ErrorMessage = "Duplicate topic in request.";
            }
            else if (InvalidAssignment(topic) is { } problem)
            {
                result.ErrorCode = (short)ErrorCode.InvalidReplicaAssignment;
                result.ErrorMessage = problem;
            }
            else
            {
                var outcome = topics.CreatePartitions(topic.Name, topic.Count, request.ValidateOnly);
                result.ErrorCode = (short)outcome.Error;
                result.ErrorMessage = outcome.Message;
            }

            response.Results.Add(result);
        }

        return new(response);
    }

    private string? InvalidAssignment(CreatePartitionsRequest.CreatePartitionsTopic topic)
    {
        if (topic.Assignments is null)
        {
            return null;
        }

        if (!topics.TryGet(topic.Name, out var existing))
        {
            return null; // the registry reports the unknown topic
        }

        if (topic.Assignments.Count != topic.Count - existing.PartitionCount)
        {
            return $"Increasing the number of partitions by {topic.Count - existing.PartitionCount} but {topic.Assignments.Count} assignments provided.";
        }

        foreach (var assignment in topic.Assignments)
        {
            if (assignment.BrokerIds.Count == 0 || assignment.BrokerIds.Any(b => b != config.NodeId))
            {
                return $"Assignments may name only broker {config.NodeId}, the only registered broker.";
            }
        }

        return null;
    }

    protected override CreatePartitionsResponse ErrorResponse(CreatePartitionsRequest request, ErrorCode error)
    {
        var response = new CreatePartitionsResponse();
        foreach (var topic in request.Topics)
        {
            response.Results.Add(new CreatePartitionsResponse.CreatePartitionsTopicResult { Name = topic.Name, ErrorCode = (short)error });
        }

        return response;
    }
}
