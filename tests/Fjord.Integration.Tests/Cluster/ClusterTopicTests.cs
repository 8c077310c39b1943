using System.Buffers;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Harness;
using Fjord.Protocol.Messages;
using Fjord.Protocol.Records;
using FjordError = Fjord.Protocol.Errors.ErrorCode;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>Partition leadership and topic administration in a 3-node cluster of real processes.</summary>
public sealed class ClusterTopicTests
{
    [Fact]
    public void ThreeNodes_ProduceOrListOffsetsAtAFollower_AnswersNotLeaderOrFollower()
    {
        using var cluster = ClusterProcess.Start(3);
        WaitForCluster(cluster);
        const string topic = "leadership";
        ClusterClient.CreateTopic(cluster.BootstrapServers, topic, 1, 3, TimeSpan.FromSeconds(20));
        Dictionary<int, int>? leaders = null;
        Eventually.True(() => (leaders = ClusterClient.Leaders(cluster.BootstrapServers, topic)) is { Count: 1 } l && l[0] >= 0,
            TimeSpan.FromSeconds(15), "partition 0 has a leader");
        var leader = cluster.Nodes[leaders![0]];
        var follower = cluster.Nodes.First(n => n.Id != leader.Id);

        // Each node answers UNKNOWN_TOPIC_OR_PARTITION (retriable, as in Kafka) until its own metadata image has the
        // topic; under load that can trail the log directory's creation. Wait for both, then ask.
        Eventually.True(() => ListLatest(follower, topic) != FjordError.UnknownTopicOrPartition && ListLatest(leader, topic) != FjordError.UnknownTopicOrPartition,
            TimeSpan.FromSeconds(20), "leader and follower know the topic");
        Assert.Equal(FjordError.NotLeaderOrFollower, Produce(follower, topic));
        Assert.Equal(FjordError.NotLeaderOrFollower, ListLatest(follower, topic));
        Assert.Equal(FjordError.None, Produce(leader, topic));
        Assert.Equal(FjordError.None, ListLatest(leader, topic));
    }

    [Fact]
    public async Task ThreeNodes_AutoCreateCreatePartitionsAndDeleteTopics_GoThroughTheController()
    {
        using var cluster = ClusterProcess.Start(3);
        WaitForCluster(cluster);

        // Metadata auto-creation: the producer's first Metadata request creates the topic through the controller.
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, MessageTimeoutMs = 30_000 }).Build())
        {
            var report = await producer.ProduceAsync("auto-created", new Message<Null, string> { Value = "first" });
            Assert.Equal(PersistenceStatus.Persisted, report.Status);
        }

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        await admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = "auto-created", IncreaseTo = 3 }]);
        Eventually.True(() => ClusterClient.Leaders(cluster.BootstrapServers, "auto-created") is { Count: 3 } l && l.Values.All(x => x >= 0),
            TimeSpan.FromSeconds(15), () => $"auto-created has 3 led partitions\n{cluster.Output}");

        // A CreateTopics sent to a broker that is not the controller is forwarded to it (KIP-590).
        var controllerId = ClusterClient.Describe(cluster.BootstrapServers)!.Value.ControllerId;
        var other = cluster.Nodes.First(n => n.Id != controllerId);
        using (var connection = new RawKafkaConnection(other.KafkaPort))
        {
            var create = new CreateTopicsRequest();
            create.Topics.Add(new CreateTopicsRequest.CreatableTopic { Name = "forwarded", NumPartitions = 2, ReplicationFactor = 3 });
            var created = connection.Receive<CreateTopicsResponse>(19, 5, connection.Send(create, 5)).Topics[0];
            Assert.True(created.ErrorCode == 0, $"CreateTopics at non-controller node {other.Id}: error {created.ErrorCode} {created.ErrorMessage}");
        }
        Eventually.True(() => ClusterClient.Leaders(cluster.BootstrapServers, "forwarded") is { Count: 2 }, TimeSpan.FromSeconds(15), "the forwarded topic exists");

        await admin.DeleteTopicsAsync(["auto-created"]);
        foreach (var node in cluster.Nodes)
        {
            // Metadata for all topics: asking for the deleted topic by name would auto-create it again.
            Eventually.True(() => ClusterClient.TopicNames(node.BootstrapServers) is { } names && !names.Contains("auto-created") && names.Contains("forwarded"),
                TimeSpan.FromSeconds(15), $"node {node.Id} forgetting the topic");
            Eventually.True(() => !Directory.Exists(Path.Combine(node.DataDir, "auto-created-0")), TimeSpan.FromSeconds(15), $"node {node.Id} deleting the log");
        }
    }

    [Fact]
    public void ThreeNodes_KafkaPythonAdminThroughANonControllerNode_CreatesAReplicationFactorThreeTopic()
    {
        using var cluster = ClusterProcess.Start(3);
        WaitForCluster(cluster);
        var controllerId = ClusterClient.Describe(cluster.BootstrapServers)!.Value.ControllerId;
        var node = cluster.Nodes.First(n => n.Id != controllerId);
        const string script = """
            import sys
            from kafka.admin import KafkaAdminClient, NewTopic
            admin = KafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=15000)
            admin.create_topics([NewTopic(name=sys.argv[2], num_partitions=3, replication_factor=3)])
            admin.close()
            print("created")
            """;
        var result = ExternalCommand.Run("/usr/bin/python3", ["-c", script, node.BootstrapServers, "from-python"]);
        Assert.True(result.ExitCode == 0, $"{result}\n{cluster.Output}");

        Dictionary<int, int>? leaders = null;
        Eventually.True(() => (leaders = ClusterClient.Leaders(node.BootstrapServers, "from-python")) is { Count: 3 } l && l.Values.All(x => x >= 0),
            TimeSpan.FromSeconds(15), "3 partitions with leaders");
        Assert.Equal(3, leaders!.Values.Distinct().Count()); // balanced: one leadership per broker
    }

    private static void WaitForCluster(ClusterProcess cluster) =>
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { ControllerId: >= 0, Brokers.Length: 3 },
            TimeSpan.FromSeconds(30), () => $"3 brokers registered and a controller\n{cluster.Output}");

    private static FjordError Produce(ClusterProcess.Node node, string topic)
    {
        using var connection = new RawKafkaConnection(node.KafkaPort);
        using var builder = new RecordBatchBuilder(Fjord.Protocol.Records.CompressionType.None);
        builder.Append(1_000, null, [1]);
        var produce = new ProduceRequest { Acks = 1, TimeoutMs = 5000 };
        produce.TopicData.Add(new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new() { Index = 0, Records = new ReadOnlySequence<byte>(builder.ToArray()) }] });
        return (FjordError)connection.Receive<ProduceResponse>(0, 9, connection.Send(produce, 9)).Responses[0].PartitionResponses[0].ErrorCode;
    }

    private static FjordError ListLatest(ClusterProcess.Node node, string topic)
    {
        using var connection = new RawKafkaConnection(node.KafkaPort);
        var request = new ListOffsetsRequest { ReplicaId = -1 };
        request.Topics.Add(new ListOffsetsRequest.ListOffsetsTopic { Name = topic, Partitions = [new() { PartitionIndex = 0, Timestamp = -1 }] });
        return (FjordError)connection.Receive<ListOffsetsResponse>(2, 7, connection.Send(request, 7)).Topics[0].Partitions[0].ErrorCode;
    }
}
