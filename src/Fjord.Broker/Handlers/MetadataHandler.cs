using Fjord.Broker.Configuration;
using Fjord.Broker.Hosting;
using Fjord.Broker.Network;
using Fjord.Broker.Topics;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// Metadata, versions 0-12.
/// - v0: an empty topic list means all topics (kafka-python's version probe relies on it);
///   v1+: null means all topics, empty means none.
/// - v10+: a topic may be asked for by id (name null); an unknown id gets UNKNOWN_TOPIC_ID.
/// - Unknown topics are created when auto.create.topics.enable is on and the request allows it
///   (AllowAutoTopicCreation, v4+; always allowed before v4). On one node the new topic's
///   partitions have a leader at once, so the answer carries them instead of LEADER_NOT_AVAILABLE.
/// - Every partition is led by this node at leader epoch 0 until the controller quorum exists.
/// </summary>
public sealed class MetadataHandler(TopicRegistry topics, BrokerConfig config, ClusterIdentity identity) : ApiHandler<MetadataRequest, MetadataResponse>
{
    public override ApiKey ApiKey => ApiKey.Metadata;

    public override short MinVersion => 0;

    public override short MaxVersion => 12;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, MetadataRequest request)
    {
        var version = context.ApiVersion;
        var response = NewResponse();
        var includeOperations = request.IncludeTopicAuthorizedOperations;

        var allTopics = request.Topics is null || (version == 0 && request.Topics.Count == 0);
        if (allTopics)
        {
            foreach (var topic in topics.All.OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                response.Topics.Add(Describe(topic, includeOperations));
            }
        }
        else
        {
            var allowAutoCreate = version < 4 || request.AllowAutoTopicCreation;
            foreach (var requested in request.Topics!)
            {
                response.Topics.Add(DescribeRequested(requested, version, allowAutoCreate, includeOperations));
            }
        }

        if (request.IncludeClusterAuthorizedOperations)
        {
            response.ClusterAuthorizedOperations = AuthorizedOperations.Cluster;
        }

        return new(response);
    }

    private MetadataResponse.MetadataResponseTopic DescribeRequested(MetadataRequest.MetadataRequestTopic requested, short version, bool allowAutoCreate, bool includeOperations)
    {
        if (requested.Name is null)
        {
            // The response name may be null only from v12; v10-11 answer an unknown id with "".
            return topics.TryGet(requested.TopicId, out var byId)
                ? Describe(byId, includeOperations)
                : new MetadataResponse.MetadataResponseTopic { Name = version >= 12 ? null : "", TopicId = requested.TopicId, ErrorCode = (short)ErrorCode.UnknownTopicId };
        }

        if (topics.TryGet(requested.Name, out var existing))
        {
            return Describe(existing, includeOperations);
        }

        if (TopicNameRules.Validate(requested.Name) is not null)
        {
            return new MetadataResponse.MetadataResponseTopic { Name = requested.Name, ErrorCode = (short)ErrorCode.InvalidTopicException };
        }

        if (allowAutoCreate && config.AutoCreateTopics)
        {
            var created = topics.AutoCreate(requested.Name);
            if (created.Topic is { } topic)
            {
                return Describe(topic, includeOperations);
            }

            return new MetadataResponse.MetadataResponseTopic { Name = requested.Name, ErrorCode = (short)created.Error };
        }

        return new MetadataResponse.MetadataResponseTopic { Name = requested.Name, ErrorCode = (short)ErrorCode.UnknownTopicOrPartition };
    }

    private MetadataResponse.MetadataResponseTopic Describe(TopicMetadata topic, bool includeOperations)
    {
        var described = new MetadataResponse.MetadataResponseTopic
        {
            Name = topic.Name,
            TopicId = topic.TopicId,
            IsInternal = topic.IsInternal,
            TopicAuthorizedOperations = includeOperations ? AuthorizedOperations.Topic : AuthorizedOperations.NotRequested,
        };
        for (var partition = 0; partition < topic.PartitionCount; partition++)
        {
            described.Partitions.Add(new MetadataResponse.MetadataResponsePartition
            {
                PartitionIndex = partition,
                LeaderId = config.NodeId,
                LeaderEpoch = 0,
                ReplicaNodes = [config.NodeId],
                IsrNodes = [config.NodeId],
            });
        }

        return described;
    }

    private MetadataResponse NewResponse()
    {
        var response = new MetadataResponse
        {
            ClusterId = identity.ClusterId,
            ControllerId = config.NodeId,
        };
        response.Brokers.Add(new MetadataResponse.MetadataResponseBroker
        {
            NodeId = config.NodeId,
            Host = config.KafkaAdvertised.Host,
            Port = config.KafkaAdvertised.Port,
            Rack = config.Rack,
        });
        return response;
    }

    protected override MetadataResponse ErrorResponse(MetadataRequest request, ErrorCode error)
    {
        var response = NewResponse();
        foreach (var topic in request.Topics ?? [])
        {
            response.Topics.Add(new MetadataResponse.MetadataResponseTopic { Name = topic.Name ?? "", TopicId = topic.TopicId, ErrorCode = (short)error });
        }

        return response;
    }
}
