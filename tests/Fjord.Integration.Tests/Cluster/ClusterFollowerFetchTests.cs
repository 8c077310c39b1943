using System.Diagnostics;
using Confluent.Kafka;
using Fjord.Integration.Tests.Harness;
using Fjord.Protocol.Messages;
using Xunit.Abstractions;
using FjordError = Fjord.Protocol.Errors.ErrorCode;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// KIP-392 on 3 real processes in racks a, b and c with <c>replica.selector.class</c> rack-aware: a consumer whose
/// <c>client.rack</c> is a follower's rack is pointed at that follower by the leader and reads every record from it
/// (the nodes' consumer bytes out show who served), kcat does the same, a consumer without a rack stays on the leader,
/// and a consumer whose follower is <c>kill -9</c>ed goes on reading from the surviving replicas without losing a record.
/// Raw Fetch requests pin down what a follower answers (Kafka's fetchOnlyFromLeader rules, its high watermark, epochs).
/// </summary>
public sealed class ClusterFollowerFetchTests(ITestOutputHelper output)
{
    private const int SessionTimeoutMs = 4000;
    private const string BytesOut = "fjord_bytes_out_total";
    private static readonly string[] s_racks = ["a", "b", "c"];
    private static readonly string[] s_settings =
    [
        $"broker.session.timeout.ms={SessionTimeoutMs}", "broker.heartbeat.interval.ms=500",
        "replica.selector.class=org.apache.kafka.common.replica.RackAwareReplicaSelector",
    ];

    [Fact]
    public void ClientRackOfAFollower_ThatFollowerServesEveryRecordOnceInOrder_KcatToo_AndARacklessConsumerReadsFromTheLeader()
    {
        using var cluster = StartInRacks(s_settings);
        const string topic = "nearby";
        const int count = 500;
        var leader = CreateFullyReplicatedTopic(cluster, topic);
        var followers = cluster.Nodes.Where(n => n.Id != leader.Id).ToArray();
        var (near, far) = (followers[0], followers[1]);
        var expected = Produce(cluster.BootstrapServers, topic, 0, count);
        // Each replica's high watermark reaches the end, so each can serve the whole log and report where it ends.
        foreach (var node in cluster.Nodes)
            Eventually.True(() => node.ScrapeMetrics().Sum("fjord_high_watermark", ("topic", topic)) == count, TimeSpan.FromSeconds(20),
                () => $"node {node.Id} has high watermark {count}\n{cluster.Output}");
        var produced = leader.ScrapeMetrics().Sum("fjord_bytes_in_total", ("topic", topic));

        using (var consumer = Consumer(cluster.BootstrapServers, topic, s_racks[near.Id]))
            Assert.Equal(expected, Read(consumer, count, TimeSpan.FromSeconds(30)));
        var afterConfluent = BytesOutByNode(cluster, topic);
        output.WriteLine($"leader {leader.Id}, Confluent.Kafka in rack {s_racks[near.Id]}: consumer bytes out {Show(afterConfluent)}, produced {produced}");
        Assert.True(afterConfluent[near.Id] >= produced, $"node {near.Id} (rack {s_racks[near.Id]}) served the consumer: {Show(afterConfluent)}, produced {produced}");
        Assert.Equal(0, afterConfluent[leader.Id]);
        Assert.Equal(0, afterConfluent[far.Id]);

        var kcat = ExternalCommand.Run("kcat",
            ["-b", cluster.BootstrapServers, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%s\\n", "-X", $"client.rack={s_racks[far.Id]}"],
            timeout: TimeSpan.FromSeconds(60));
        Assert.True(kcat.ExitCode == 0, $"{kcat}\n{cluster.Output}");
        Assert.Equal(expected, kcat.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var afterKcat = BytesOutByNode(cluster, topic);
        output.WriteLine($"kcat in rack {s_racks[far.Id]}: consumer bytes out {Show(afterKcat)}");
        Assert.True(afterKcat[far.Id] >= produced, $"node {far.Id} (rack {s_racks[far.Id]}) served kcat: {Show(afterKcat)}, produced {produced}");
        Assert.Equal(0, afterKcat[leader.Id]);
        Assert.Equal(afterConfluent[near.Id], afterKcat[near.Id]);

        using (var consumer = Consumer(cluster.BootstrapServers, topic, clientRack: null))
            Assert.Equal(expected, Read(consumer, count, TimeSpan.FromSeconds(30)));
        var afterRackless = BytesOutByNode(cluster, topic);
        output.WriteLine($"no rack: consumer bytes out {Show(afterRackless)}");
        Assert.True(afterRackless[leader.Id] >= produced, $"the leader served the consumer without a rack: {Show(afterRackless)}, produced {produced}");
        Assert.Equal(afterKcat[near.Id], afterRackless[near.Id]);
        Assert.Equal(afterKcat[far.Id], afterRackless[far.Id]);
    }

    [Fact]
    public void FollowerServingARackConsumer_Kill9_TheConsumerGoesOnWithEveryRecordInOrder()
    {
        using var cluster = StartInRacks(s_settings);
        const string topic = "nearby-failover";
        const int half = 200;
        var leader = CreateFullyReplicatedTopic(cluster, topic);
        var near = cluster.Nodes.First(n => n.Id != leader.Id);
        var expected = Produce(cluster.BootstrapServers, topic, 0, half);
        using var consumer = Consumer(cluster.BootstrapServers, topic, s_racks[near.Id]);
        var consumed = Read(consumer, half, TimeSpan.FromSeconds(30));
        var served = BytesOutByNode(cluster, topic);
        Assert.True(served[near.Id] > 0 && served[leader.Id] == 0, $"node {near.Id} (rack {s_racks[near.Id]}) served the consumer: {Show(served)}");

        near.Kill();
        var killed = Stopwatch.StartNew();
        var survivors = cluster.BootstrapServersExcept(near.Id);
        // acks=all: these commit once the controller has fenced the dead follower and it has left the ISR.
        expected.AddRange(Produce(survivors, topic, half, half));
        var committed = killed.Elapsed;
        consumed.AddRange(Read(consumer, half, TimeSpan.FromSeconds(90)));
        output.WriteLine($"node {near.Id} killed; the other {half} records were committed {committed.TotalSeconds:F1} s and all consumed " +
                         $"{killed.Elapsed.TotalSeconds:F1} s later; consumer bytes out {Show(BytesOutByNode(cluster, topic, except: near.Id))}");
        Assert.Equal(expected, consumed);
    }

    [Fact]
    public void RawFetchAtAFollower_ServesOnlyConsumersOnV11Plus_UpToItsHighWatermark_WithTheImagesEpoch()
    {
        // No replica.selector.class: followers still serve consumers that fetch from them (as in Kafka); leaders send nobody away.
        using var cluster = StartInRacks($"broker.session.timeout.ms={SessionTimeoutMs}", "broker.heartbeat.interval.ms=500");
        const string topic = "direct";
        const int count = 100;
        var leader = CreateFullyReplicatedTopic(cluster, topic);
        var follower = cluster.Nodes.First(n => n.Id != leader.Id);
        Produce(cluster.BootstrapServers, topic, 0, count);
        Eventually.True(() => follower.ScrapeMetrics().Sum("fjord_high_watermark", ("topic", topic)) == count, TimeSpan.FromSeconds(20),
            () => $"node {follower.Id} has high watermark {count}\n{cluster.Output}");
        var epoch = LeaderEpoch(follower, topic);
        var rack = s_racks[follower.Id];

        var served = Fetch(follower, topic, version: 12, offset: 0, rack, currentLeaderEpoch: epoch);
        Assert.Equal((FjordError.None, count, -1), ((FjordError)served.ErrorCode, served.HighWatermark, served.PreferredReadReplica));
        Assert.True(served.Records?.Length > 0, "the follower returned records");
        Assert.Equal(FjordError.None, (FjordError)Fetch(follower, topic, version: 11, offset: 0, rack: "").ErrorCode);
        var atEnd = Fetch(follower, topic, version: 12, offset: count, rack);
        Assert.Equal((FjordError.None, 0L), ((FjordError)atEnd.ErrorCode, atEnd.Records?.Length ?? 0));
        var beyond = Fetch(follower, topic, version: 12, offset: count + 1, rack);
        Assert.Equal((FjordError.OffsetOutOfRange, count), ((FjordError)beyond.ErrorCode, beyond.HighWatermark));
        Assert.Equal(FjordError.UnknownLeaderEpoch, (FjordError)Fetch(follower, topic, version: 12, offset: 0, rack, currentLeaderEpoch: epoch + 1).ErrorCode);
        // Consumers without client metadata (before v11) and replicas fetch from the leader only.
        Assert.Equal(FjordError.NotLeaderOrFollower, (FjordError)Fetch(follower, topic, version: 10, offset: 0).ErrorCode);
        Assert.Equal(FjordError.NotLeaderOrFollower, (FjordError)Fetch(follower, topic, version: 12, offset: 0, rack, replicaId: leader.Id).ErrorCode);

        var fromLeader = Fetch(leader, topic, version: 12, offset: 0, rack);
        Assert.Equal((FjordError.None, -1), ((FjordError)fromLeader.ErrorCode, fromLeader.PreferredReadReplica));
        Assert.True(fromLeader.Records?.Length > 0, "the leader served the consumer itself");

        // A broker holding no replica of a partition answers NOT_LEADER_OR_FOLLOWER whatever the consumer's rack.
        const string pair = "pair";
        ClusterClient.CreateTopic(cluster.BootstrapServers, pair, 1, 2, TimeSpan.FromSeconds(20));
        int[]? replicas = null;
        Eventually.True(() => (replicas = Replicas(cluster.BootstrapServers, pair)) is { Length: 2 }, TimeSpan.FromSeconds(20), () => $"{pair}-0 has 2 replicas\n{cluster.Output}");
        var outsider = cluster.Nodes.First(n => !replicas!.Contains(n.Id));
        Eventually.True(() => ClusterClient.TopicNames(outsider.BootstrapServers)?.Contains(pair) == true, TimeSpan.FromSeconds(20), $"node {outsider.Id} knows {pair}");
        Assert.Equal(FjordError.NotLeaderOrFollower, (FjordError)Fetch(outsider, pair, version: 12, offset: 0, s_racks[outsider.Id]).ErrorCode);
    }

    /// <summary>One sessionless, non-waiting Fetch of partition 0 straight to <paramref name="node"/>.</summary>
    private static FetchResponse.PartitionData Fetch(
        ClusterProcess.Node node, string topic, short version, long offset, string rack = "", int replicaId = -1, int currentLeaderEpoch = -1)
    {
        using var connection = new RawKafkaConnection(node.KafkaPort);
        var request = new FetchRequest { ReplicaId = replicaId, MaxWaitMs = 0, MinBytes = 1, MaxBytes = 1 << 20, SessionId = 0, SessionEpoch = -1, RackId = rack };
        request.Topics.Add(new FetchRequest.FetchTopic
        {
            Topic = topic,
            Partitions = [new() { Partition = 0, FetchOffset = offset, CurrentLeaderEpoch = currentLeaderEpoch, PartitionMaxBytes = 1 << 20 }],
        });
        return connection.Receive<FetchResponse>(1, version, connection.Send(request, version)).Responses[0].Partitions[0];
    }

    /// <summary>The leader epoch of partition 0 as <paramref name="node"/>'s Metadata (v12) reports it.</summary>
    private static int LeaderEpoch(ClusterProcess.Node node, string topic)
    {
        using var connection = new RawKafkaConnection(node.KafkaPort);
        var request = new MetadataRequest { Topics = [new() { Name = topic }], AllowAutoTopicCreation = false };
        return connection.Receive<MetadataResponse>(3, 12, connection.Send(request, 12)).Topics[0].Partitions[0].LeaderEpoch;
    }

    private static int[]? Replicas(string bootstrapServers, string topic)
    {
        using var admin = new Confluent.Kafka.AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        try
        {
            return admin.GetMetadata(topic, TimeSpan.FromSeconds(3)).Topics.SingleOrDefault(t => t.Topic == topic)?.Partitions.SingleOrDefault()?.Replicas;
        }
        catch (KafkaException)
        {
            return null;
        }
    }

    /// <summary>Nodes 0, 1 and 2 in racks a, b and c.</summary>
    private static ClusterProcess StartInRacks(params string[] settings) => ClusterProcess.Start(3, id => [$"rack={s_racks[id]}"], settings);

    /// <summary>Creates an RF=3 topic and waits until its leader has every replica in the ISR; returns the leader.</summary>
    private static ClusterProcess.Node CreateFullyReplicatedTopic(ClusterProcess cluster, string topic)
    {
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { ControllerId: >= 0, Brokers: [0, 1, 2] },
            TimeSpan.FromSeconds(30), () => $"3 brokers and a controller\n{cluster.Output}");
        ClusterClient.CreateTopic(cluster.BootstrapServers, topic, 1, 3, TimeSpan.FromSeconds(20));
        (int Leader, int[] Isr)? partition = null;
        Eventually.True(() => (partition = ClusterClient.LeaderAndIsr(cluster.BootstrapServers, topic, 0)) is { Leader: >= 0, Isr.Length: 3 },
            TimeSpan.FromSeconds(20), () => $"{topic}-0 led with an ISR of 3 (last: {partition})\n{cluster.Output}");
        return cluster.Nodes[partition!.Value.Leader];
    }

    private static List<string> Produce(string bootstrapServers, string topic, int first, int count)
    {
        using var producer = ClusterClient.IdempotentProducer(bootstrapServers);
        var values = Enumerable.Range(first, count).Select(i => $"record-{i:D5}").ToList();
        var deliveries = values.Select(v => producer.ProduceAsync(topic, new Message<Null, string> { Value = v })).ToArray();
        foreach (var delivery in deliveries) Assert.Equal(PersistenceStatus.Persisted, delivery.GetAwaiter().GetResult().Status);
        return values;
    }

    private static IConsumer<Ignore, string> Consumer(string bootstrapServers, string topic, string? clientRack)
    {
        var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "kip392-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            ClientRack = clientRack,
            // Learn quickly that a killed broker left the cluster.
            TopicMetadataRefreshIntervalMs = 1000,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        return consumer;
    }

    /// <summary>The next <paramref name="count"/> record values, failing with what arrived when they do not within <paramref name="timeout"/>.</summary>
    private static List<string> Read(IConsumer<Ignore, string> consumer, int count, TimeSpan timeout)
    {
        var values = new List<string>();
        var deadline = DateTime.UtcNow + timeout;
        while (values.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500))?.Message is { } message) values.Add(message.Value);
        }
        Assert.True(values.Count == count, $"{values.Count} of {count} records within {timeout}; last {values.LastOrDefault()}");
        return values;
    }

    /// <summary>Each node's consumer bytes out for <paramref name="topic"/> (Kafka's BytesOutPerSec: replication not counted).</summary>
    private static Dictionary<int, double> BytesOutByNode(ClusterProcess cluster, string topic, int except = -1) =>
        cluster.Nodes.Where(n => n.Id != except).ToDictionary(n => n.Id, n => n.ScrapeMetrics().Sum(BytesOut, ("topic", topic)));

    private static string Show(Dictionary<int, double> bytesOut) => string.Join(", ", bytesOut.Select(kv => $"node {kv.Key}: {kv.Value}"));
}
