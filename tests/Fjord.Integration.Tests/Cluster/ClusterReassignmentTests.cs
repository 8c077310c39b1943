using Confluent.Kafka;
using Fjord.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// Partition reassignment (KIP-455) across 3 real processes: an RF=1 partition holding data is moved from
/// broker 0 to broker 1 with AlterPartitionReassignments sent to a non-controller node. Broker 1 fetches the
/// partition as an adding replica until its log is byte-identical to broker 0's. The reassignment completes
/// when the leader puts broker 1 into the ISR (AlterPartition); until the replication layer does that, it
/// stays listed as in progress, and cancelling it returns the partition to broker 0 alone.
/// </summary>
public sealed class ClusterReassignmentTests(ITestOutputHelper output)
{
    private const short NoReassignmentInProgress = 85;
    private const short InvalidReplicaAssignment = 39;
    private const short UnknownTopicOrPartition = 3;

    [Fact]
    public void Reassign_Rf1PartitionWithData_FromBroker0ToBroker1_CopiesTheLogAndIsListedUntilItCompletes()
    {
        using var cluster = ClusterProcess.Start(3, "broker.session.timeout.ms=4000", "broker.heartbeat.interval.ms=500");
        const string topic = "moving";
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { ControllerId: >= 0, Brokers: [0, 1, 2] },
            TimeSpan.FromSeconds(30), () => $"3 brokers and a controller\n{cluster.Output}");
        ClusterElectLeadersTests.CreateTopicWithReplicas(cluster, topic, [0]);
        Eventually.True(() => ClusterElectLeadersTests.Partition(cluster.BootstrapServers, topic) is { Leader: 0 },
            TimeSpan.FromSeconds(20), () => $"node 0 leads {topic}-0\n{cluster.Output}");
        var written = Produce(cluster.BootstrapServers, topic, 200);

        var controller = ClusterClient.Describe(cluster.BootstrapServers)!.Value.ControllerId!.Value;
        var via = cluster.Nodes.First(n => n.Id != controller).KafkaPort;
        Assert.Equal((UnknownTopicOrPartition, "The partition does not exist."), RawAdminRequests.Reassign(via, topic, 3, [1]));
        Assert.Equal(InvalidReplicaAssignment, RawAdminRequests.Reassign(via, topic, 0, [1, 9]).Error);
        Assert.Equal((0, null), RawAdminRequests.Reassign(via, topic, 0, [1]));

        var log0 = Path.Combine(cluster.Nodes[0].DataDir, $"{topic}-0");
        var log1 = Path.Combine(cluster.Nodes[1].DataDir, $"{topic}-0");
        var completed = false;
        Eventually.True(() =>
        {
            completed = ClusterElectLeadersTests.Partition(cluster.BootstrapServers, topic) is { Leader: 1, Replicas: [1] };
            return completed || PartitionFiles.DigestOfLog(log1) == PartitionFiles.DigestOfLog(log0);
        }, TimeSpan.FromSeconds(60), () => $"broker 1 holds {topic}-0's log or the reassignment completed\n{cluster.Output}");

        if (completed)
        {
            output.WriteLine("reassignment completed: broker 1 leads the partition alone");
            Assert.Empty(RawAdminRequests.ListReassignments(via));
            Assert.Equal(written, Consume(cluster.BootstrapServers, topic, written.Count));
            Assert.Equal(NoReassignmentInProgress, RawAdminRequests.Reassign(via, topic, 0, null).Error);
            return;
        }

        // Broker 1 caught up but is not in the ISR yet: completion waits for the leader's AlterPartition.
        output.WriteLine("broker 1 holds a byte-identical log; the reassignment is in progress until the leader expands the ISR");
        var ongoing = RawAdminRequests.ListReassignments(via);
        var (replicas, adding, removing) = Assert.Single(ongoing, kv => kv.Key == (topic, 0)).Value;
        Assert.Equal([1, 0], replicas);
        Assert.Equal([1], adding);
        Assert.Equal([0], removing);
        Assert.Equal(written, Consume(cluster.BootstrapServers, topic, written.Count));

        Assert.Equal((0, null), RawAdminRequests.Reassign(via, topic, 0, null));
        Eventually.True(() => ClusterElectLeadersTests.Partition(cluster.BootstrapServers, topic) is { Leader: 0, Replicas: [0] },
            TimeSpan.FromSeconds(20), () => $"{topic}-0 back on broker 0 alone after the cancel\n{cluster.Output}");
        Assert.Empty(RawAdminRequests.ListReassignments(via));
        Assert.Equal(NoReassignmentInProgress, RawAdminRequests.Reassign(via, topic, 0, null).Error);
    }

    private static List<string> Produce(string bootstrapServers, string topic, int count)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            MessageTimeoutMs = 30_000,
        }).Build();
        var values = Enumerable.Range(0, count).Select(i => $"m-{i}").ToList();
        foreach (var value in values) producer.Produce(topic, new Message<Null, string> { Value = value });
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        return values;
    }

    private static List<string> Consume(string bootstrapServers, string topic, int expected)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = "reassignment-check" }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var values = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (values.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500))?.Message is { } message) values.Add(message.Value);
        }
        return values;
    }
}
