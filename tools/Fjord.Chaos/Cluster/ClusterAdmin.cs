using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Fjord.Chaos.Cluster;

/// <summary>
/// Confluent.Kafka admin look-ups the harness polls while nodes die: each builds a fresh admin client on the
/// given bootstrap servers (a killed node's cached connection never answers) and returns null when the call
/// fails, so the caller retries. Stateless; safe from any thread.
/// </summary>
public static class ClusterAdmin
{
    private static readonly TimeSpan s_requestTimeout = TimeSpan.FromSeconds(3);

    private static IAdminClient Admin(string bootstrapServers) =>
        new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers, SocketTimeoutMs = 3000 })
            .SetLogHandler((_, _) => { /* connection refusals to dead nodes are the expected state here */ })
            .Build();

    /// <summary>The active controller's node id and the unfenced brokers (DescribeCluster); null when the call fails.</summary>
    public static async Task<(int? ControllerId, int[] Brokers)?> DescribeAsync(string bootstrapServers)
    {
        try
        {
            using var admin = Admin(bootstrapServers);
            var result = await admin.DescribeClusterAsync(new DescribeClusterOptions { RequestTimeout = s_requestTimeout }).ConfigureAwait(false);
            return (result.Controller?.Id, result.Nodes.Select(n => n.Id).Order().ToArray());
        }
        catch (KafkaException)
        {
            return null;
        }
    }

    /// <summary>Every partition of <paramref name="topic"/>; null when the call fails or the topic is unknown.</summary>
    public static IReadOnlyList<PartitionState>? Partitions(string bootstrapServers, string topic)
    {
        try
        {
            using var admin = Admin(bootstrapServers);
            var described = admin.GetMetadata(topic, s_requestTimeout).Topics.SingleOrDefault(t => t.Topic == topic);
            if (described is null || described.Error.IsError) return null;
            return described.Partitions.Select(p => new PartitionState(p.PartitionId, p.Leader, p.Replicas, p.InSyncReplicas)).OrderBy(p => p.Partition).ToArray();
        }
        catch (KafkaException)
        {
            return null;
        }
    }

    /// <summary>Creates the topic with <c>min.insync.replicas</c>; true when it exists afterwards (TOPIC_ALREADY_EXISTS counts).</summary>
    public static async Task<(bool Created, string? Error)> TryCreateTopicAsync(string bootstrapServers, string topic, int partitions, short replicationFactor, int minInSyncReplicas)
    {
        try
        {
            using var admin = Admin(bootstrapServers);
            await admin.CreateTopicsAsync(
                [new TopicSpecification
                {
                    Name = topic, NumPartitions = partitions, ReplicationFactor = replicationFactor,
                    Configs = new Dictionary<string, string> { ["min.insync.replicas"] = minInSyncReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                }],
                new CreateTopicsOptions { RequestTimeout = s_requestTimeout, OperationTimeout = s_requestTimeout }).ConfigureAwait(false);
            return (true, null);
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code == ErrorCode.TopicAlreadyExists))
        {
            return (true, null);
        }
        catch (KafkaException e)
        {
            return (false, e.Message);
        }
    }
}
