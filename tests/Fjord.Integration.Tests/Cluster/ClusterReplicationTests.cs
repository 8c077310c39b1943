using Confluent.Kafka;
using Fjord.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// Partition replication across 3 real processes: an RF=3 topic written with acks=all ends up byte-identical
/// in every node's partition directory (followers append the leader's batches verbatim), and after the
/// leader is killed with SIGKILL the new leader serves every acknowledged record and takes new writes.
/// Idempotent producers get producer ids from controller-allocated blocks (KIP-730) and survive a leader
/// kill without duplicates.
/// </summary>
public sealed class ClusterReplicationTests(ITestOutputHelper output)
{
    private const int SessionTimeoutMs = 4000;
    private static readonly string[] s_settings = [$"broker.session.timeout.ms={SessionTimeoutMs}", "broker.heartbeat.interval.ms=500"];

    [Fact]
    public void AcksAll_Rf3_EveryReplicaHoldsTheSameLog_AndNewLeaderHasEveryAcknowledgedRecordAfterKill9()
    {
        using var cluster = ClusterProcess.Start(3, s_settings);
        const string topic = "replicated";
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { ControllerId: >= 0, Brokers: [0, 1, 2] },
            TimeSpan.FromSeconds(30), () => $"3 brokers and a controller\n{cluster.Output}");
        ClusterClient.CreateTopic(cluster.BootstrapServers, topic, 1, 3, TimeSpan.FromSeconds(20));
        Dictionary<int, int>? leaders = null;
        Eventually.True(() => (leaders = ClusterClient.Leaders(cluster.BootstrapServers, topic)) is { Count: 1 } l && l[0] >= 0,
            TimeSpan.FromSeconds(15), () => $"a leader for {topic}-0\n{cluster.Output}");
        var leader = leaders![0];

        var acknowledged = Produce(cluster.BootstrapServers, topic, "before", 300);
        Assert.Equal(300, acknowledged.Count);

        // Followers fetch the leader's batches verbatim: the three segment files converge to the same bytes.
        string[]? digests = null;
        Eventually.True(() =>
        {
            digests = [.. cluster.Nodes.Select(n => PartitionFiles.DigestOfLog(Path.Combine(n.DataDir, $"{topic}-0")))];
            return digests.Distinct().Count() == 1 && digests[0] != PartitionFiles.EmptyDigest;
        }, TimeSpan.FromSeconds(20), () => $"identical logs on every node; digests {string.Join(", ", digests ?? [])}\n{cluster.Output}");

        cluster.Nodes[leader].Kill();
        var survivors = cluster.BootstrapServersExcept(leader);
        Dictionary<int, int>? after = null;
        Eventually.True(() => (after = ClusterClient.Leaders(survivors, topic)) is { Count: 1 } l && l[0] >= 0 && l[0] != leader,
            TimeSpan.FromMilliseconds(SessionTimeoutMs + 15_000), () => $"a new leader other than node {leader}\n{cluster.Output}");
        output.WriteLine($"node {leader} killed; node {after![0]} leads {topic}-0");

        // Idempotent: its producer id comes from a controller-allocated block (KIP-730), so it cannot collide with
        // the first producer's id, whose sequences the new leader holds from replication.
        var more = Produce(survivors, topic, "after", 50);
        Assert.Equal(50, more.Count);

        var consumed = Consume(survivors, topic, 350);
        var missing = acknowledged.Concat(more).Except(consumed).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged records missing on the new leader, e.g. {string.Join(",", missing.Take(5))}; consumed {consumed.Count}\n{cluster.Output}");
    }

    [Fact]
    public async Task IdempotentProducers_ThroughDifferentBrokers_GetDistinctIds_AndSurviveLeaderKill9WithoutDuplicates()
    {
        using var cluster = ClusterProcess.Start(3, s_settings);
        const string topic = "idempotent";
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { ControllerId: >= 0, Brokers: [0, 1, 2] },
            TimeSpan.FromSeconds(30), () => $"3 brokers and a controller\n{cluster.Output}");

        // KIP-730: every broker takes ids from its own controller-allocated block, so no two brokers hand out the same id.
        var ids = new List<(int Node, long ProducerId)>();
        foreach (var node in cluster.Nodes)
            for (var i = 0; i < 3; i++)
                ids.Add((node.Id, InitProducerId(node.KafkaPort, cluster)));
        output.WriteLine($"producer ids: {string.Join(", ", ids.Select(x => $"node {x.Node}: {x.ProducerId}"))}");
        Assert.All(ids, x => Assert.True(x.ProducerId >= 0, $"node {x.Node} gave producer id {x.ProducerId}"));
        Assert.Equal(ids.Count, ids.Select(x => x.ProducerId).Distinct().Count());

        ClusterClient.CreateTopic(cluster.BootstrapServers, topic, 1, 3, TimeSpan.FromSeconds(20));
        Dictionary<int, int>? leaders = null;
        Eventually.True(() => (leaders = ClusterClient.Leaders(cluster.BootstrapServers, topic)) is { Count: 1 } l && l[0] >= 0,
            TimeSpan.FromSeconds(15), () => $"a leader for {topic}-0\n{cluster.Output}");
        var leader = leaders![0];

        // One idempotent acks=all producer keeps writing while its partition leader is killed: librdkafka retries the
        // unacknowledged batches with their original sequence numbers at the new leader, which must not store them twice.
        var delivered = new System.Collections.Concurrent.ConcurrentBag<string>();
        var failed = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            MessageTimeoutMs = 60_000,
            LingerMs = 5,
        }).Build();
        void Send(int i) => producer.Produce(topic, new Message<Null, string> { Value = $"v-{i}" }, report =>
        {
            if (report.Error.IsError) failed.Add($"{report.Message.Value}: {report.Error}");
            else delivered.Add(report.Message.Value);
        });
        const int total = 3000;
        var sent = 0;
        // A paced stream, so batches are in flight at the moment the leader dies.
        var producing = Task.Run(async () =>
        {
            for (var i = 0; i < total; i++)
            {
                Send(i);
                Volatile.Write(ref sent, i + 1);
                if (i % 20 == 19) await Task.Delay(2);
            }
        });
        Eventually.True(() => delivered.Count >= 500, TimeSpan.FromSeconds(30), () => $"500 deliveries before the kill\n{cluster.Output}");
        cluster.Nodes[leader].Kill();
        output.WriteLine($"killed leader node {leader} with {Volatile.Read(ref sent) - delivered.Count} records sent but not yet acknowledged");
        await producing;
        var remaining = producer.Flush(TimeSpan.FromSeconds(90));
        Assert.True(remaining == 0, $"{remaining} messages still queued after the flush\n{cluster.Output}");
        Assert.Equal(total, delivered.Count + failed.Count);
        Assert.True(failed.IsEmpty, $"{failed.Count} deliveries failed, e.g. {string.Join("; ", failed.Take(3))}\n{cluster.Output}");

        var survivors = cluster.BootstrapServersExcept(leader);
        var consumed = Consume(survivors, topic, delivered.Count, lingerAfterExpected: TimeSpan.FromSeconds(3));
        var duplicates = consumed.GroupBy(v => v).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        var missing = delivered.Except(consumed).ToList();
        output.WriteLine($"delivered {delivered.Count}, consumed {consumed.Count}, duplicates {duplicates.Count}, missing {missing.Count}");
        Assert.True(duplicates.Count == 0, $"{duplicates.Count} records stored twice, e.g. {string.Join(",", duplicates.Take(5))}");
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged records missing, e.g. {string.Join(",", missing.Take(5))}");
    }

    /// <summary>InitProducerId (v4, no transactional id) sent straight to one broker; retries while it answers a retriable error.</summary>
    private static long InitProducerId(int kafkaPort, ClusterProcess cluster)
    {
        long producerId = -1;
        short error = -1;
        Eventually.True(() =>
        {
            using var connection = new RawKafkaConnection(kafkaPort);
            var correlationId = connection.Send(new Fjord.Protocol.Messages.InitProducerIdRequest { TransactionalId = null, TransactionTimeoutMs = 60_000, ProducerId = -1, ProducerEpoch = -1 }, 4);
            var response = connection.Receive<Fjord.Protocol.Messages.InitProducerIdResponse>(22, 4, correlationId);
            (error, producerId) = (response.ErrorCode, response.ProducerId);
            return error == 0;
        }, TimeSpan.FromSeconds(30), () => $"InitProducerId on port {kafkaPort} succeeded (last error {error})\n{cluster.Output}");
        return producerId;
    }

    [Fact]
    public void AcksAll_IsrBelowMinInsyncReplicas_AnswersNotEnoughReplicas()
    {
        using var cluster = ClusterProcess.Start(3, s_settings);
        const string topic = "min-isr";
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { ControllerId: >= 0, Brokers: [0, 1, 2] },
            TimeSpan.FromSeconds(30), () => $"3 brokers and a controller\n{cluster.Output}");
        Eventually.True(() =>
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
            try
            {
                admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification
                {
                    Name = topic, NumPartitions = 1, ReplicationFactor = 3,
                    Configs = new Dictionary<string, string> { ["min.insync.replicas"] = "3" },
                }]).GetAwaiter().GetResult();
                return true;
            }
            catch (Confluent.Kafka.Admin.CreateTopicsException e) when (e.Results[0].Error.Code == ErrorCode.TopicAlreadyExists)
            {
                return true;
            }
            catch (KafkaException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(20), () => $"topic {topic} created\n{cluster.Output}");
        Dictionary<int, int>? leaders = null;
        Eventually.True(() => (leaders = ClusterClient.Leaders(cluster.BootstrapServers, topic)) is { Count: 1 } l && l[0] >= 0,
            TimeSpan.FromSeconds(15), () => $"a leader for {topic}-0\n{cluster.Output}");
        Assert.Single(Produce(cluster.BootstrapServers, topic, "full-isr", 1));

        // A follower dies; once the controller fences it the ISR is 2 < min.insync.replicas = 3.
        var follower = cluster.Nodes.First(n => n.Id != leaders![0]);
        follower.Kill();
        var survivors = cluster.BootstrapServersExcept(follower.Id);
        Eventually.True(() => IsrSize(survivors, topic) == 2, TimeSpan.FromMilliseconds(SessionTimeoutMs + 15_000),
            () => $"ISR of {topic}-0 shrunk to 2 after node {follower.Id} was killed\n{cluster.Output}");

        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = survivors,
            Acks = Acks.All,
            EnableIdempotence = false,
            MessageSendMaxRetries = 0,
            MessageTimeoutMs = 10_000,
        }).Build();
        var error = Assert.Throws<ProduceException<Null, string>>(() =>
            producer.ProduceAsync(topic, new Message<Null, string> { Value = "too-few" }).GetAwaiter().GetResult());
        Assert.Equal(ErrorCode.NotEnoughReplicas, error.Error.Code);
    }

    private static int IsrSize(string bootstrapServers, string topic)
    {
        try
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers, SocketTimeoutMs = 3000 }).Build();
            var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(3));
            return metadata.Topics[0].Partitions.Count == 1 ? metadata.Topics[0].Partitions[0].InSyncReplicas.Length : -1;
        }
        catch (KafkaException)
        {
            return -1;
        }
    }

    private static List<string> Produce(string bootstrapServers, string topic, string prefix, int count, bool idempotent = true)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = idempotent,
            MessageTimeoutMs = 30_000,
            LingerMs = 5,
        }).Build();
        var tasks = Enumerable.Range(0, count).Select(i => producer.ProduceAsync(topic, new Message<Null, string> { Value = $"{prefix}-{i}" })).ToArray();
        var acknowledged = new List<string>();
        foreach (var task in tasks)
        {
            var result = task.GetAwaiter().GetResult();
            if (result.Status == PersistenceStatus.Persisted) acknowledged.Add(result.Message.Value);
        }
        return acknowledged;
    }

    /// <summary>Reads from the start until <paramref name="expected"/> records arrived, then <paramref name="lingerAfterExpected"/> longer (to see extras).</summary>
    private static List<string> Consume(string bootstrapServers, string topic, int expected, TimeSpan lingerAfterExpected = default)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "replication-check",
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var values = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (values.Count < expected && DateTime.UtcNow < deadline)
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (record?.Message is { } message) values.Add(message.Value);
        }
        var lingerUntil = DateTime.UtcNow + lingerAfterExpected;
        while (DateTime.UtcNow < lingerUntil)
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (record?.Message is { } message) values.Add(message.Value);
        }
        return values;
    }
}
