using Fjord.Operator.Topics;
using Fjord.Rpc.Admin;
using Grpc.Core;

namespace Fjord.Operator.Hosting;

// Topics: the FjordTopic controller's calls. Any broker serves them (mutations are forwarded to the controller like
// Kafka requests), so each goes to the first broker that answers.
public sealed partial class AdminClusterClient
{
    private const int TopicAlreadyExists = 36;
    private const int UnknownTopicOrPartition = 3;

    /// <summary>
    /// One DescribeCluster, one DescribeTopics of every topic and the topic config names: the view every FjordTopic of
    /// the cluster is planned against. <see cref="TopicClusterView.Unreachable"/> when no broker answers.
    /// </summary>
    public async Task<TopicClusterView> DescribeTopicClusterAsync(IReadOnlyList<string> brokers, CancellationToken cancel)
    {
        foreach (var address in brokers)
        {
            try
            {
                var client = Client(address);
                var cluster = await client.DescribeClusterAsync(new DescribeClusterRequest(), deadline: Deadline(), cancellationToken: cancel);
                var topics = await client.DescribeTopicsAsync(new DescribeTopicsRequest(), deadline: Deadline(), cancellationToken: cancel);
                return new TopicClusterView(TopicClusterState.Reachable,
                    cluster.Brokers.Select(b => new TopicBroker(b.Id, b.HasRack ? b.Rack : null, b.Fenced, b.ReplicaCount)).ToList(),
                    topics.Topics.ToDictionary(t => t.Name, Observed, StringComparer.Ordinal),
                    await TopicConfigNamesAsync(client, cancel));
            }
            catch (RpcException e)
            {
                LogUnanswered(_logger, -1, address, e.StatusCode.ToString(), e.Status.Detail);
            }
        }
        return TopicClusterView.Unreachable;
    }

    /// <summary>
    /// Creates the topics in one CreateTopicBatch call; answers, in order, each topic's description (null when it already
    /// existed: the caller's view was stale) or the Kafka error that refused it.
    /// </summary>
    public Task<List<(ObservedTopic? Topic, TopicAdminException? Error)>> CreateTopicsAsync(IReadOnlyList<string> brokers,
        IReadOnlyList<CreateKafkaTopic> creates, CancellationToken cancel) =>
        OnAnyBrokerAsync(brokers, async client =>
        {
            var request = new CreateTopicBatchRequest();
            foreach (var create in creates)
            {
                var topic = new CreateTopicRequest { Name = create.Name, Partitions = create.Partitions, ReplicationFactor = create.ReplicationFactor };
                foreach (var (key, value) in create.Configs)
                {
                    topic.Configs[key] = value;
                }
                request.Topics.Add(topic);
            }
            var response = await client.CreateTopicBatchAsync(request, deadline: Deadline(), cancellationToken: cancel);
            return response.Results.Select(r => r.Error.Code switch
            {
                0 => (Observed(r.Topic), (TopicAdminException?)null),
                TopicAlreadyExists => ((ObservedTopic?)null, (TopicAdminException?)null),
                _ => (null, new TopicAdminException(r.Error.Code, r.Error.Message)),
            }).ToList();
        });

    /// <summary>Grows partitions and/or sets and deletes configs; answers the topic's description after the change.</summary>
    public Task<ObservedTopic?> UpdateTopicAsync(IReadOnlyList<string> brokers, string name, int? partitions,
        IReadOnlyDictionary<string, string> set, IReadOnlyList<string> delete, CancellationToken cancel) =>
        OnAnyBrokerAsync(brokers, async client =>
        {
            var request = new UpdateTopicRequest { Name = name };
            if (partitions is { } count)
            {
                request.Partitions = count;
            }
            foreach (var (key, value) in set)
            {
                request.SetConfigs[key] = value;
            }
            request.DeleteConfigs.Add(delete);
            var response = await client.UpdateTopicAsync(request, deadline: Deadline(), cancellationToken: cancel);
            return (ObservedTopic?)Observed(Checked(response.Error, response.Topic));
        });

    /// <summary>Deletes the topic; a topic already gone is not an error.</summary>
    public Task DeleteTopicAsync(IReadOnlyList<string> brokers, string name, CancellationToken cancel) =>
        OnAnyBrokerAsync(brokers, async client =>
        {
            var response = await client.DeleteTopicAsync(new DeleteTopicRequest { Name = name }, deadline: Deadline(), cancellationToken: cancel);
            if (response.Error.Code != UnknownTopicOrPartition)
            {
                Checked(response.Error, true);
            }
            return true;
        });

    /// <summary>
    /// Asks the cluster's balancer to give the topic's partitions the new replication factor (drain-only: nothing else
    /// moves), throttled as the action says. False when a balance or reassignment already runs: one at a time, so the
    /// caller tries again later.
    /// </summary>
    public Task<bool> ChangeReplicationFactorAsync(IReadOnlyList<string> brokers, ChangeReplicationFactor change, CancellationToken cancel) =>
        OnAnyBrokerAsync(brokers, async client =>
        {
            var request = new BalanceRequest { DrainOnly = true, ThrottleBytesPerSecond = change.ThrottleBytesPerSecond };
            request.ReplicationFactors.Add(new TopicReplicationFactor { Topic = change.Name, ReplicationFactor = change.ReplicationFactor });
            var response = await client.ExecuteBalanceAsync(request, deadline: Deadline(), cancellationToken: cancel);
            if (response.Error?.Code == ReassignmentInProgress)
            {
                LogBalanceAlreadyRunning(_logger, response.Error.Message);
                return false;
            }
            Checked(response.Error, true);
            LogBalanceStarted(_logger, response.BalanceId, response.Proposal?.Moves.Count ?? 0, response.Proposal?.BytesToMove ?? 0);
            return true;
        });

    /// <summary>The topic config names the broker knows; null when it predates DescribeTopicConfigDefinitions.</summary>
    private static async Task<IReadOnlySet<string>?> TopicConfigNamesAsync(AdminService.AdminServiceClient client, CancellationToken cancel)
    {
        try
        {
            var definitions = await client.DescribeTopicConfigDefinitionsAsync(new DescribeTopicConfigDefinitionsRequest(),
                deadline: Deadline(), cancellationToken: cancel);
            return definitions.Configs.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
        {
            return null;
        }
    }

    private async Task<T> OnAnyBrokerAsync<T>(IReadOnlyList<string> brokers, Func<AdminService.AdminServiceClient, Task<T>> call)
    {
        RpcException? last = null;
        foreach (var address in brokers)
        {
            try
            {
                return await call(Client(address));
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                LogUnanswered(_logger, -1, address, e.StatusCode.ToString(), e.Status.Detail);
                last = e;
            }
        }
        throw last ?? new RpcException(new Status(StatusCode.Unavailable, "the cluster has no broker address yet"));
    }

    private static T Checked<T>(Error? error, T value) =>
        error is null || error.Code == 0 ? value : throw new TopicAdminException(error.Code, error.Message);

    private static ObservedTopic Observed(TopicDescription topic) => new(
        topic.Name,
        // Kafka prints topic ids as URL-safe base64 without padding (Uuid.toString).
        Convert.ToBase64String(topic.TopicId.Span).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
        topic.Partitions.OrderBy(p => p.Partition)
            .Select(p => new ObservedPartition(p.Partition, p.Leader, [.. p.Replicas], [.. p.Isr], [.. p.AddingReplicas], [.. p.RemovingReplicas]))
            .ToList(),
        topic.Configs.ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal));
}
