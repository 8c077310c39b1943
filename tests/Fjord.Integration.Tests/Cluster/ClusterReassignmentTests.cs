using System.Collections.Concurrent;
using Confluent.Kafka;
using Fjord.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// Partition reassignment (KIP-455) across 3 real processes, end to end: the adding replicas fetch until they
/// are caught up, the leader puts them into the ISR (AlterPartition), the controller completes the reassignment
/// (replicas = target, a removed leader hands over to a target replica), and each removed broker stops fetching
/// and deletes its log directory. A later re-add starts a fresh log that catches up.
/// </summary>
public sealed class ClusterReassignmentTests(ITestOutputHelper output)
{
    private const short NoReassignmentInProgress = 85;
    private const short InvalidReplicaAssignment = 39;
    private const short UnknownTopicOrPartition = 3;
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Fact]
    public void Reassign_Rf1PartitionWithData_FromBroker0ToBroker1_CompletesDeletesTheOldLogAndAReAddCatchesUpFresh()
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
        var log0 = Path.Combine(cluster.Nodes[0].DataDir, $"{topic}-0");
        var log1 = Path.Combine(cluster.Nodes[1].DataDir, $"{topic}-0");
        var original = PartitionFiles.DigestOfLog(log0);
        Assert.Equal((0, null), RawAdminRequests.Reassign(via, topic, 0, [1]));

        Eventually.True(() => ClusterElectLeadersTests.Partition(cluster.BootstrapServers, topic) is { Leader: 1, Replicas: [1], InSyncReplicas: [1] },
            Generous, () => $"the reassignment completed: broker 1 leads {topic}-0 alone\n{cluster.Output}");
        Assert.Empty(RawAdminRequests.ListReassignments(via));
        Assert.Equal(NoReassignmentInProgress, RawAdminRequests.Reassign(via, topic, 0, null).Error);
        Assert.Equal(original, PartitionFiles.DigestOfLog(log1));
        Eventually.True(() => !Directory.Exists(log0), Generous, () => $"broker 0 deleted {log0} after leaving the replica set\n{cluster.Output}");
        Assert.Equal(written, Consume(cluster.BootstrapServers, topic, written.Count));
        var moreWritten = Produce(cluster.BootstrapServers, topic, 50, first: 200);
        output.WriteLine("moved to broker 1; broker 0's directory is gone");

        // Broker 0 comes back as a second replica: a fresh, empty log that fetches everything from broker 1.
        Assert.Equal((0, null), RawAdminRequests.Reassign(via, topic, 0, [1, 0]));
        Eventually.True(() => ClusterElectLeadersTests.Partition(cluster.BootstrapServers, topic) is { Leader: 1, Replicas: [1, 0], InSyncReplicas.Length: 2 },
            Generous, () => $"broker 0 re-added and in the ISR\n{cluster.Output}");
        Eventually.True(() => PartitionFiles.DigestOfLog(log0) == PartitionFiles.DigestOfLog(log1), Generous,
            () => $"broker 0's fresh log is byte-identical to broker 1's\n{cluster.Output}");
        Assert.Contains("Deleted the log of moving-0", cluster.Nodes[0].Output, StringComparison.Ordinal);
        Assert.Equal([.. written, .. moreWritten], Consume(cluster.BootstrapServers, topic, written.Count + moreWritten.Count));
    }

    [Fact]
    public void Reassign_Rf2PartitionAwayFromItsLeader_UnderAnAcksAllProducer_LosesNoAcknowledgedRecord()
    {
        using var cluster = ClusterProcess.Start(3, "broker.session.timeout.ms=4000", "broker.heartbeat.interval.ms=500");
        const string topic = "moving-rf2";
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { ControllerId: >= 0, Brokers: [0, 1, 2] },
            TimeSpan.FromSeconds(30), () => $"3 brokers and a controller\n{cluster.Output}");
        ClusterElectLeadersTests.CreateTopicWithReplicas(cluster, topic, [0, 1]);
        Eventually.True(() => ClusterElectLeadersTests.Partition(cluster.BootstrapServers, topic) is { Leader: 0, InSyncReplicas.Length: 2 },
            TimeSpan.FromSeconds(30), () => $"node 0 leads {topic}-0 with both replicas in the ISR\n{cluster.Output}");

        var acknowledged = new ConcurrentQueue<string>();
        var failures = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var producing = new Thread(() => ProduceUntil(cluster.BootstrapServers, topic, acknowledged, failures, stop.Token)) { IsBackground = true };
        producing.Start();
        Eventually.True(() => acknowledged.Count >= 200, Generous, () => $"the producer got 200 acks\n{cluster.Output}");

        // Broker 0 (the leader) leaves; broker 2 joins: leadership must move to a target replica on completion.
        var via = cluster.Nodes[2].KafkaPort;
        Assert.Equal((0, null), RawAdminRequests.Reassign(via, topic, 0, [1, 2]));
        Eventually.True(() => ClusterElectLeadersTests.Partition(cluster.BootstrapServers, topic) is { Leader: 1 or 2, Replicas: [1, 2], InSyncReplicas.Length: 2 },
            Generous, () => $"the reassignment completed on [1, 2]\n{cluster.Output}");
        Assert.Empty(RawAdminRequests.ListReassignments(via));
        var atCompletion = acknowledged.Count;
        Eventually.True(() => acknowledged.Count >= atCompletion + 200, Generous, () => $"the producer kept getting acks after the move\n{cluster.Output}");
        stop.Cancel();
        Assert.True(producing.Join(Generous), "the producer flushed its last records");

        var log0 = Path.Combine(cluster.Nodes[0].DataDir, $"{topic}-0");
        Eventually.True(() => !Directory.Exists(log0), Generous, () => $"broker 0 deleted {log0}\n{cluster.Output}");
        var acked = acknowledged.ToHashSet(StringComparer.Ordinal);
        var read = Consume(cluster.BootstrapServers, topic, acked.Count).ToHashSet(StringComparer.Ordinal);
        var lost = acked.Where(v => !read.Contains(v)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged record(s) not read back, e.g. {string.Join(", ", lost.Take(5))}");
        output.WriteLine($"{acked.Count} acknowledged, {read.Count} read, {failures.Count} failed deliveries (retried by the producer, never acknowledged)");
        foreach (var failure in failures.Take(5)) output.WriteLine(failure);
    }

    private static void ProduceUntil(string bootstrapServers, string topic, ConcurrentQueue<string> acknowledged, ConcurrentQueue<string> failures, CancellationToken stop)
    {
        using var producer = ClusterClient.IdempotentProducer(bootstrapServers);
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var value = $"v-{i}";
            producer.Produce(topic, new Message<Null, string> { Value = value }, report =>
            {
                if (report.Error.IsError) failures.Enqueue($"{value}: {report.Error.Reason}");
                else acknowledged.Enqueue(value);
            });
            if (i % 50 == 49) stop.WaitHandle.WaitOne(20);
        }
        producer.Flush(TimeSpan.FromSeconds(60));
    }

    private static List<string> Produce(string bootstrapServers, string topic, int count, int first = 0)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            MessageTimeoutMs = 30_000,
        }).Build();
        var values = Enumerable.Range(first, count).Select(i => $"m-{i}").ToList();
        foreach (var value in values) producer.Produce(topic, new Message<Null, string> { Value = value });
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        return values;
    }

    internal static List<string> Consume(string bootstrapServers, string topic, int expected)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = "reassignment-check" }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var values = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (values.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500))?.Message is { } message) values.Add(message.Value);
        }
        return values;
    }
}
