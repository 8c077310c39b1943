using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Harness;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>Three real fjord-broker processes forming one cluster (all three voters of the metadata quorum).</summary>
public sealed class ClusterTests
{
    [Fact]
    public void ThreeNodes_KcatListMetadata_ShowsThreeBrokersAndAController()
    {
        using var cluster = ClusterProcess.Start(3);
        foreach (var node in cluster.Nodes)
        {
            ExternalCommand.Result? last = null;
            Eventually.True(() =>
            {
                last = ExternalCommand.Run("kcat", ["-b", node.BootstrapServers, "-L", "-m", "5"]);
                return last.ExitCode == 0 && last.StandardOutput.Contains("3 brokers:") && last.StandardOutput.Contains("(controller)");
            }, TimeSpan.FromSeconds(30), () => $"kcat -L against node {node.Id} listing 3 brokers and a controller; last:\n{last}\n{cluster.Output}");
            foreach (var other in cluster.Nodes)
                Assert.Contains($"broker {other.Id} at 127.0.0.1:{other.KafkaPort}", last!.StandardOutput);
        }
    }

    [Fact]
    public async Task ThreeNodes_CreateTopicWithReplicationFactorThree_EveryNodeServesItsMetadata()
    {
        using var cluster = ClusterProcess.Start(3);
        Eventually.True(() => ExternalCommand.Run("kcat", ["-b", cluster.BootstrapServers, "-L", "-m", "5"]).StandardOutput.Contains("3 brokers:"),
            TimeSpan.FromSeconds(30), () => $"3 brokers registered\n{cluster.Output}");

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = "replicated", NumPartitions = 3, ReplicationFactor = 3 }]);

        foreach (var node in cluster.Nodes)
        {
            ExternalCommand.Result? last = null;
            Eventually.True(() =>
            {
                last = ExternalCommand.Run("kcat", ["-b", node.BootstrapServers, "-L", "-t", "replicated", "-m", "5"]);
                return last.StandardOutput.Contains("topic \"replicated\" with 3 partitions");
            }, TimeSpan.FromSeconds(15), () => $"node {node.Id} describing the topic; last:\n{last}");
            Assert.Contains("replicas: ", last!.StandardOutput);
        }
    }

    [Fact]
    public async Task ThreeNodes_ProduceAndConsumeOnReplicationFactorThreeTopic_RoundTripsThroughThePartitionLeaders()
    {
        using var cluster = ClusterProcess.Start(3);
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { ControllerId: >= 0, Brokers.Length: 3 },
            TimeSpan.FromSeconds(30), () => $"3 brokers registered\n{cluster.Output}");
        const string topic = "round-trip";
        ClusterClient.CreateTopic(cluster.BootstrapServers, topic, 3, 3, TimeSpan.FromSeconds(20));

        var sent = Enumerable.Range(0, 30).Select(i => $"value-{i}").ToList();
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, Acks = Acks.All }).Build())
        {
            for (var i = 0; i < sent.Count; i++)
            {
                var report = await producer.ProduceAsync(new TopicPartition(topic, i % 3), new Message<string, string> { Key = $"key-{i}", Value = sent[i] });
                Assert.Equal(PersistenceStatus.Persisted, report.Status);
            }
        }

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "round-trip",
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var received = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (received.Count < sent.Count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { IsPartitionEOF: false } result) received.Add(result.Message.Value);
        }
        Assert.Equal(sent.Order(), received.Order());

        // Every replica holds the partition's log; only the leader serves it.
        foreach (var node in cluster.Nodes)
            for (var p = 0; p < 3; p++)
                Assert.True(Directory.Exists(Path.Combine(node.DataDir, $"{topic}-{p}")), $"node {node.Id} has no log for {topic}-{p}");
    }
}
