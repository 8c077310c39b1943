using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Harness;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// Confluent.Kafka look-ups the cluster tests poll: each builds a fresh admin client on the given
/// bootstrap servers (so a killed node's cached connection never answers) and returns null on failure.
/// Stateless; safe from any test thread.
/// </summary>
internal static class ClusterClient
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(3);

    private static IAdminClient Admin(string bootstrapServers) =>
        new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers, SocketTimeoutMs = 3000 }).Build();

    /// <summary>An idempotent acks=all producer that keeps retrying through leader changes for up to a minute.</summary>
    public static IProducer<Null, string> IdempotentProducer(string bootstrapServers) => new ProducerBuilder<Null, string>(new ProducerConfig
    {
        BootstrapServers = bootstrapServers,
        Acks = Acks.All,
        EnableIdempotence = true,
        MessageTimeoutMs = 60_000,
        LingerMs = 5,
    }).Build();

    /// <summary>The controller and the unfenced brokers, as DescribeCluster reports them; null when the call fails.</summary>
    public static (int? ControllerId, int[] Brokers)? Describe(string bootstrapServers)
    {
        try
        {
            using var admin = Admin(bootstrapServers);
            var result = admin.DescribeClusterAsync(new DescribeClusterOptions { RequestTimeout = RequestTimeout }).GetAwaiter().GetResult();
            return (result.Controller?.Id, result.Nodes.Select(n => n.Id).Order().ToArray());
        }
        catch (KafkaException)
        {
            return null;
        }
    }

    /// <summary>Partition → leader of <paramref name="topic"/> from Metadata; null when the call fails or the topic is unknown.</summary>
    public static Dictionary<int, int>? Leaders(string bootstrapServers, string topic)
    {
        try
        {
            using var admin = Admin(bootstrapServers);
            var metadata = admin.GetMetadata(topic, RequestTimeout);
            var described = metadata.Topics.SingleOrDefault(t => t.Topic == topic);
            if (described is null || described.Error.IsError) return null;
            return described.Partitions.ToDictionary(p => p.PartitionId, p => p.Leader);
        }
        catch (KafkaException)
        {
            return null;
        }
    }

    /// <summary>Leader and ISR of one partition from Metadata; null when the call fails or the partition is unknown.</summary>
    public static (int Leader, int[] Isr)? LeaderAndIsr(string bootstrapServers, string topic, int partition)
    {
        try
        {
            using var admin = Admin(bootstrapServers);
            var described = admin.GetMetadata(topic, RequestTimeout).Topics.SingleOrDefault(t => t.Topic == topic);
            return described?.Partitions.SingleOrDefault(p => p.PartitionId == partition) is { } p ? (p.Leader, p.InSyncReplicas) : null;
        }
        catch (KafkaException)
        {
            return null;
        }
    }

    /// <summary>Names of every topic (Metadata for all topics, which never auto-creates); null when the call fails.</summary>
    public static string[]? TopicNames(string bootstrapServers)
    {
        try
        {
            using var admin = Admin(bootstrapServers);
            return admin.GetMetadata(RequestTimeout).Topics.Select(t => t.Topic).ToArray();
        }
        catch (KafkaException)
        {
            return null;
        }
    }

    /// <summary>Creates a topic, retrying until it exists (NOT_CONTROLLER and timeouts while a controller is elected are retried).</summary>
    public static void CreateTopic(string bootstrapServers, string topic, int partitions, short replicationFactor, TimeSpan timeout)
    {
        Exception? last = null;
        Eventually.True(() =>
        {
            try
            {
                using var admin = Admin(bootstrapServers);
                admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = replicationFactor }],
                    new CreateTopicsOptions { RequestTimeout = RequestTimeout, OperationTimeout = RequestTimeout }).GetAwaiter().GetResult();
                return true;
            }
            catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code == ErrorCode.TopicAlreadyExists))
            {
                return true;
            }
            catch (KafkaException e)
            {
                last = e;
                return false;
            }
        }, timeout, () => $"creating topic {topic} through {bootstrapServers}; last error: {last?.Message}");
    }
}
