using Fjord.Broker.Hosting;
using Fjord.Broker.Handlers;
using Fjord.Broker.Network;
using Fjord.Metadata;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Cluster;

/// <summary>
/// Metadata, versions 0-12, in cluster mode: answered from the committed <see cref="MetadataImage"/>.
/// - Brokers: every registered, unfenced broker with its PLAINTEXT endpoint; ControllerId is the Raft
///   leader (the active controller), -1 while there is none.
/// - Partitions carry the image's leader, leader epoch, replicas and ISR; offline replicas are replicas
///   whose broker is fenced or gone. A partition without a leader gets LEADER_NOT_AVAILABLE.
/// - v0: an empty topic list means all topics; v1+: null means all, empty means none.
/// - No auto-creation yet: an unknown topic gets UNKNOWN_TOPIC_OR_PARTITION.
/// </summary>
public sealed class ClusterMetadataHandler(MetadataQuorum quorum, ClusterIdentity identity) : ApiHandler<MetadataRequest, MetadataResponse>
{
    public override ApiKey ApiKey => ApiKey.Metadata;

    public override short MinVersion => 0;

    public override short MaxVersion => 12;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, MetadataRequest request)
    {
        var version = context.ApiVersion;
        var image = quorum.StateMachine.Image;
        var response = NewResponse(image);
        var includeOperations = request.IncludeTopicAuthorizedOperations;
        if (request.Topics is null || (version == 0 && request.Topics.Count == 0))
        {
            foreach (var topic in image.TopicsById.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
                response.Topics.Add(Describe(image, topic, includeOperations));
        }
        else
        {
            foreach (var requested in request.Topics)
            {
                var topic = requested.Name is null ? image.GetTopic(TopicIds.ToGuid(requested.TopicId)) : image.GetTopic(requested.Name);
                if (topic is not null) response.Topics.Add(Describe(image, topic, includeOperations));
                else if (requested.Name is null)
                    response.Topics.Add(new() { Name = version >= 12 ? null : "", TopicId = requested.TopicId, ErrorCode = (short)ErrorCode.UnknownTopicId });
                else
                    response.Topics.Add(new() { Name = requested.Name, ErrorCode = (short)ErrorCode.UnknownTopicOrPartition });
            }
        }
        if (request.IncludeClusterAuthorizedOperations) response.ClusterAuthorizedOperations = AuthorizedOperations.Cluster;
        return new(response);
    }

    private static MetadataResponse.MetadataResponseTopic Describe(MetadataImage image, TopicImage topic, bool includeOperations)
    {
        var described = new MetadataResponse.MetadataResponseTopic
        {
            Name = topic.Name,
            TopicId = TopicIds.ToUuid(topic.Id),
            IsInternal = topic.Name.StartsWith("__", StringComparison.Ordinal),
            TopicAuthorizedOperations = includeOperations ? AuthorizedOperations.Topic : AuthorizedOperations.NotRequested,
        };
        foreach (var (index, p) in topic.Partitions)
        {
            described.Partitions.Add(new MetadataResponse.MetadataResponsePartition
            {
                ErrorCode = (short)(p.HasLeader ? ErrorCode.None : ErrorCode.LeaderNotAvailable),
                PartitionIndex = index,
                LeaderId = p.Leader,
                LeaderEpoch = p.LeaderEpoch,
                ReplicaNodes = [.. p.Replicas],
                IsrNodes = [.. p.Isr],
                OfflineReplicas = [.. p.Replicas.Where(r => !image.Brokers.TryGetValue(r, out var b) || b.Fenced)],
            });
        }
        return described;
    }

    private MetadataResponse NewResponse(MetadataImage image)
    {
        var response = new MetadataResponse { ClusterId = identity.ClusterId, ControllerId = quorum.LeaderNodeId };
        foreach (var broker in LiveBrokers(image))
        {
            var endpoint = broker.Endpoints[0];
            response.Brokers.Add(new MetadataResponse.MetadataResponseBroker { NodeId = broker.Id, Host = endpoint.Host, Port = endpoint.Port, Rack = broker.Rack });
        }
        return response;
    }

    /// <summary>Registered, unfenced brokers with at least one endpoint.</summary>
    internal static IEnumerable<BrokerRegistration> LiveBrokers(MetadataImage image) =>
        image.Brokers.Values.Where(b => !b.Fenced && b.Endpoints.Length > 0);

    protected override MetadataResponse ErrorResponse(MetadataRequest request, ErrorCode error)
    {
        var response = NewResponse(quorum.StateMachine.Image);
        foreach (var topic in request.Topics ?? [])
            response.Topics.Add(new MetadataResponse.MetadataResponseTopic { Name = topic.Name ?? "", TopicId = topic.TopicId, ErrorCode = (short)error });
        return response;
    }
}
