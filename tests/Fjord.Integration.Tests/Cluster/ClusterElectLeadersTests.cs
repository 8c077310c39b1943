using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// ElectLeaders across 3 real processes: once a partition's preferred replica is not its leader, Confluent.Kafka's
/// ElectLeadersAsync (bootstrapped through a node that is not the controller) moves leadership there, a second
/// election answers ELECTION_NOT_NEEDED, and a raw ElectLeaders sent to a non-controller node is forwarded to the
/// controller (KIP-590) and answers per partition.
/// </summary>
public sealed class ClusterElectLeadersTests(ITestOutputHelper output)
{
    private const short UnknownTopicOrPartition = 3;
    private const short ElectionNotNeeded = 84;

    [Fact]
    public async Task ElectLeadersAsync_Preferred_AfterThePreferredReplicaMoved_MovesLeadershipThroughANonControllerNode()
    {
        using var cluster = ClusterProcess.Start(3);
        const string topic = "elect";
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { ControllerId: >= 0, Brokers: [0, 1, 2] },
            TimeSpan.FromSeconds(30), () => $"3 brokers and a controller\n{cluster.Output}");
        CreateTopicWithReplicas(cluster, topic, [0, 1, 2]);
        Eventually.True(() => Partition(cluster.BootstrapServers, topic) is { Leader: 0, InSyncReplicas.Length: 3 },
            TimeSpan.FromSeconds(20), () => $"node 0 leads {topic}-0 with a full ISR\n{cluster.Output}");

        // Reordering the replicas makes node 1 the preferred leader while node 0 keeps leading (no data moves).
        Assert.Equal((0, null), RawAdminRequests.Reassign(cluster.Nodes[2].KafkaPort, topic, 0, [1, 0, 2]));
        Eventually.True(() => Partition(cluster.BootstrapServers, topic) is { Leader: 0, Replicas: [1, 0, 2] },
            TimeSpan.FromSeconds(20), () => $"replicas [1,0,2] with node 0 still leading\n{cluster.Output}");

        var controller = ClusterClient.Describe(cluster.BootstrapServers)!.Value.ControllerId!.Value;
        var other = cluster.Nodes.First(n => n.Id != controller);
        output.WriteLine($"controller {controller}; bootstrapping through node {other.Id}");
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = other.BootstrapServers }).Build())
        {
            var result = await admin.ElectLeadersAsync(ElectionType.Preferred, [new TopicPartition(topic, 0)],
                new ElectLeadersOptions { RequestTimeout = TimeSpan.FromSeconds(30), OperationTimeout = TimeSpan.FromSeconds(30) });
            var partition = Assert.Single(result.TopicPartitions);
            Assert.False(partition.Error.IsError, partition.Error.ToString());
            Eventually.True(() => Partition(cluster.BootstrapServers, topic) is { Leader: 1 },
                TimeSpan.FromSeconds(20), () => $"node 1 leads {topic}-0 after the election\n{cluster.Output}");

            var again = await Assert.ThrowsAsync<ElectLeadersException>(() => admin.ElectLeadersAsync(ElectionType.Preferred, [new TopicPartition(topic, 0)],
                new ElectLeadersOptions { RequestTimeout = TimeSpan.FromSeconds(30) }));
            Assert.Equal(ErrorCode.ElectionNotNeeded, Assert.Single(again.Results.TopicPartitions).Error.Code);
        }

        // Straight to a non-controller node: forwarded, and answered per partition by the controller.
        var raw = RawAdminRequests.ElectLeaders(other.KafkaPort, 0, new Dictionary<string, int[]> { [topic] = [0, 7], ["no-such-topic"] = [0] });
        Assert.Equal(0, raw.ErrorCode);
        var errors = raw.ReplicaElectionResults.SelectMany(t => t.PartitionResult.Select(p => ($"{t.Topic}-{p.PartitionId}", p.ErrorCode))).ToDictionary();
        Assert.Equal(ElectionNotNeeded, errors[$"{topic}-0"]);
        Assert.Equal(UnknownTopicOrPartition, errors[$"{topic}-7"]);
        Assert.Equal(UnknownTopicOrPartition, errors["no-such-topic-0"]);

        // Every partition, unclean: nothing is leaderless, so nothing is reported.
        var all = RawAdminRequests.ElectLeaders(other.KafkaPort, 1, null);
        Assert.Equal(0, all.ErrorCode);
        Assert.Empty(all.ReplicaElectionResults);
    }

    /// <summary>Creates <paramref name="topic"/> with one partition on <paramref name="replicas"/> (brokers must be registered: retried until they are).</summary>
    internal static void CreateTopicWithReplicas(ClusterProcess cluster, string topic, int[] replicas)
    {
        short error = -1;
        Eventually.True(() => (error = RawAdminRequests.CreateTopic(cluster.Nodes[0].KafkaPort, topic, replicas)) is 0 or 36,
            TimeSpan.FromSeconds(30), () => $"topic {topic} created on [{string.Join(",", replicas)}]; last error {error}\n{cluster.Output}");
    }

    /// <summary>Partition 0 of <paramref name="topic"/> from Metadata; null when the call fails.</summary>
    internal static PartitionMetadata? Partition(string bootstrapServers, string topic)
    {
        try
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers, SocketTimeoutMs = 3000 }).Build();
            var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(3)).Topics.SingleOrDefault(t => t.Topic == topic);
            return metadata is { Error.IsError: false } ? metadata.Partitions.SingleOrDefault(p => p.PartitionId == 0) : null;
        }
        catch (KafkaException)
        {
            return null;
        }
    }
}
