using Fjord.Broker.Hosting;
using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Metadata;
using Fjord.Metadata.Acls;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;

namespace Fjord.Broker.Handlers;

/// <summary>
/// Metadata, versions 0-12: answered from the committed <see cref="MetadataImage"/>.
/// - Brokers: every registered, unfenced broker with its PLAINTEXT endpoint; ControllerId is the Raft
///   leader (the active controller), -1 while there is none.
/// - Partitions carry the image's leader, leader epoch, replicas and ISR; offline replicas are replicas
///   whose broker is fenced or gone. A partition without a leader gets LEADER_NOT_AVAILABLE.
/// - v0: an empty topic list means all topics; v1+: null means all, empty means none.
/// - Auto-creation (auto.create.topics.enable, and AllowAutoTopicCreation from v4): on the active
///   controller an unknown topic becomes a CreateTopics command with the broker defaults and the answer is
///   LEADER_NOT_AVAILABLE (retriable: the client asks again and finds the committed topic); any other broker
///   forwards a CreateTopics to the controller (KIP-590) and answers the same. Otherwise UNKNOWN_TOPIC_OR_PARTITION.
/// - With an authorizer (as Kafka): listing all topics shows only those the principal may DESCRIBE; a named topic it
///   may not describe gets TOPIC_AUTHORIZATION_FAILED, and so does an unknown one it may not CREATE (on the cluster or
///   the topic) when it would be auto-created. Authorized operations are the principal's (KIP-430).
/// </summary>
public sealed class MetadataHandler(MetadataQuorum quorum, ClusterIdentity identity, ControllerHost controller, ControllerForwarder forwarder,
    Configuration.BrokerConfig config, BrokerAuthorizer authorizer)
    : ApiHandler<MetadataRequest, MetadataResponse>
{
    public override ApiKey ApiKey => ApiKey.Metadata;

    public override short MinVersion => 0;

    public override short MaxVersion => 12;

    private static readonly TimeSpan AutoCreateWait = TimeSpan.FromSeconds(5);

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, MetadataRequest request)
    {
        var version = context.ApiVersion;
        var image = quorum.StateMachine.Image;
        var response = NewResponse(image);
        var includeOperations = request.IncludeTopicAuthorizedOperations;
        if (request.Topics is null || (version == 0 && request.Topics.Count == 0))
        {
            foreach (var topic in image.TopicsById.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
                if (CanDescribe(context, topic.Name)) response.Topics.Add(Describe(context, image, topic, includeOperations));
        }
        else
        {
            foreach (var requested in request.Topics)
            {
                var topic = requested.Name is null ? image.GetTopic(TopicIds.ToGuid(requested.TopicId)) : image.GetTopic(requested.Name);
                if (topic is not null && !CanDescribe(context, topic.Name))
                    response.Topics.Add(new() { Name = requested.Name ?? (version >= 12 ? null : ""), TopicId = requested.TopicId, ErrorCode = (short)ErrorCode.TopicAuthorizationFailed });
                else if (topic is not null) response.Topics.Add(Describe(context, image, topic, includeOperations));
                else if (requested.Name is null)
                    response.Topics.Add(new() { Name = version >= 12 ? null : "", TopicId = requested.TopicId, ErrorCode = (short)ErrorCode.UnknownTopicId });
                else if (!CanDescribe(context, requested.Name))
                    response.Topics.Add(new() { Name = requested.Name, ErrorCode = (short)ErrorCode.TopicAuthorizationFailed });
                else if (config.AutoCreateTopics && (version < 4 || request.AllowAutoTopicCreation) && !CanCreate(context, requested.Name))
                    response.Topics.Add(new() { Name = requested.Name, ErrorCode = (short)ErrorCode.TopicAuthorizationFailed });
                else if (config.AutoCreateTopics && (version < 4 || request.AllowAutoTopicCreation))
                    response.Topics.Add(new() { Name = requested.Name, ErrorCode = (short)await AutoCreateAsync(context, requested.Name).ConfigureAwait(false) });
                else
                    response.Topics.Add(new() { Name = requested.Name, ErrorCode = (short)ErrorCode.UnknownTopicOrPartition });
            }
        }
        if (request.IncludeClusterAuthorizedOperations)
            response.ClusterAuthorizedOperations = authorizer.AuthorizedOperations(context, AclResourceType.Cluster, AclBinding.ClusterResourceName, AclResourceOperations.Cluster);
        return response;
    }

    private bool CanDescribe(RequestContext context, string topic) => authorizer.Authorize(context, AclOperation.Describe, AclResourceType.Topic, topic);

    private bool CanCreate(RequestContext context, string topic) =>
        authorizer.AuthorizeCluster(context, AclOperation.Create) || authorizer.Authorize(context, AclOperation.Create, AclResourceType.Topic, topic);

    private async Task<ErrorCode> AutoCreateAsync(RequestContext context, string name)
    {
        if (Topics.TopicNameRules.Validate(name) is not null) return ErrorCode.InvalidTopicException;
        if (!controller.IsActive) return await ForwardAutoCreateAsync(context, name).ConfigureAwait(false);
        try
        {
            var results = await controller.SubmitAsync(c => c.CreateTopics([new CreatableTopic(name)])).WaitAsync(AutoCreateWait).ConfigureAwait(false);
            var error = results[0].Error;
            return error is ErrorCode.None or ErrorCode.TopicAlreadyExists ? ErrorCode.LeaderNotAvailable : error;
        }
        catch (Exception e) when (e is NotControllerException or TimeoutException)
        {
            return ErrorCode.LeaderNotAvailable;
        }
    }

    /// <summary>Kafka's auto-creation on a non-controller: a CreateTopics (v7, broker defaults) forwarded to the controller.</summary>
    private async Task<ErrorCode> ForwardAutoCreateAsync(RequestContext context, string name)
    {
        const short createTopicsVersion = 7;
        var create = new CreateTopicsRequest { timeoutMs = (int)AutoCreateWait.TotalMilliseconds };
        create.Topics.Add(new CreateTopicsRequest.CreatableTopic { Name = name, NumPartitions = -1, ReplicationFactor = -1 });
        var forwardContext = new RequestContext(context.ConnectionId, context.RemoteEndPoint, createTopicsVersion, context.CorrelationId, context.ClientId, context.ConnectionClosed)
        {
            ForwardedPrincipal = context.Principal,
            ForwardedClientHost = context.ClientHost,
        };
        var response = await forwarder.ForwardAsync<CreateTopicsResponse>(forwardContext, create).ConfigureAwait(false);
        var error = response is { Topics.Count: 1 } ? (ErrorCode)response.Topics[0].ErrorCode : ErrorCode.LeaderNotAvailable;
        return error is ErrorCode.None or ErrorCode.TopicAlreadyExists or ErrorCode.NotController ? ErrorCode.LeaderNotAvailable : error;
    }

    private MetadataResponse.MetadataResponseTopic Describe(RequestContext context, MetadataImage image, TopicImage topic, bool includeOperations)
    {
        var described = new MetadataResponse.MetadataResponseTopic
        {
            Name = topic.Name,
            TopicId = TopicIds.ToUuid(topic.Id),
            IsInternal = topic.Name.StartsWith("__", StringComparison.Ordinal),
            TopicAuthorizedOperations = includeOperations
                ? authorizer.AuthorizedOperations(context, AclResourceType.Topic, topic.Name, AclResourceOperations.Topic)
                : AuthorizedOperations.NotRequested,
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
