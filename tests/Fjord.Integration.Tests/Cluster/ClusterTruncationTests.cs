using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using Fjord.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// Follower truncation across 3 real processes (KIP-101/KIP-595): a leader writes records the ISR never
/// acknowledges (both followers SIGSTOPped, acks=1), is killed with SIGKILL, a follower takes over and
/// takes acks=all writes, and when the former leader comes back it truncates its unacknowledged suffix on
/// the new leader's DivergingEpoch answer and catches up. On disk every replica then holds the same
/// batches up to the high watermark, the suffix is gone, and every acknowledged record is there once.
/// A Confluent consumer reads across the leader change, validating its position with OffsetForLeaderEpoch.
/// </summary>
public sealed class ClusterTruncationTests(ITestOutputHelper output)
{
    private const int SessionTimeoutMs = 5000;
    private static readonly string[] s_settings = [$"broker.session.timeout.ms={SessionTimeoutMs}", "broker.heartbeat.interval.ms=500"];

    [Fact]
    public void FormerLeaderUnacknowledgedSuffix_IsTruncated_ReplicasEndIdentical_AndAConsumerReadsAcrossTheLeaderChange()
    {
        using var cluster = ClusterProcess.Start(3, s_settings);
        var timer = Stopwatch.StartNew();
        const string topic = "truncation";
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { ControllerId: >= 0, Brokers: [0, 1, 2] },
            TimeSpan.FromSeconds(60), () => $"3 brokers and a controller\n{cluster.Output}");
        ClusterClient.CreateTopic(cluster.BootstrapServers, topic, 1, 3, TimeSpan.FromSeconds(30));
        Dictionary<int, int>? leaders = null;
        Eventually.True(() => (leaders = ClusterClient.Leaders(cluster.BootstrapServers, topic)) is { Count: 1 } l && l[0] >= 0,
            TimeSpan.FromSeconds(30), () => $"a leader for {topic}-0\n{cluster.Output}");
        var oldLeader = cluster.Nodes[leaders![0]];
        var followers = cluster.Nodes.Where(n => n != oldLeader).ToArray();

        var before = Produce(cluster.BootstrapServers, topic, "before", 100, Acks.All);
        Assert.Equal(100, before.Count);
        Eventually.True(() => cluster.Nodes.All(n => Gauge(n, "fjord_log_end_offset", topic) == 100) && Gauge(oldLeader, "fjord_high_watermark", topic) == 100,
            TimeSpan.FromSeconds(60), () => $"every replica at log end offset 100 and the high watermark at 100\n{cluster.Output}");

        var validationLog = new ConcurrentQueue<string>();
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "truncation-check",
            EnableAutoCommit = false,
            TopicMetadataRefreshIntervalMs = 1000,
            Debug = "fetch",
        }).SetLogHandler((_, message) =>
        {
            if (message.Message.Contains("validat", StringComparison.OrdinalIgnoreCase)) validationLog.Enqueue(message.Message);
        }).Build();
        var partition = new TopicPartition(topic, 0);
        consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        var consumed = Consume(consumer, 100, TimeSpan.FromSeconds(60));
        Assert.Equal(before, consumed);
        consumer.Pause([partition]);

        // Followers stopped with no fetch parked at the leader (else its answer, sitting in their socket, would
        // hand them the records below when they resume): the leader alone takes acks=1 writes.
        foreach (var follower in followers) BrokerProcess.Signal(follower.ProcessId, "STOP");
        List<string> unacknowledged;
        try
        {
            Eventually.True(() => Scrape(oldLeader)?.Sum("fjord_fetch_purgatory_size") == 0, TimeSpan.FromSeconds(20),
                () => $"no fetch parked at the leader (node {oldLeader.Id})\n{cluster.Output}");
            unacknowledged = Produce(oldLeader.BootstrapServers, topic, "unacknowledged", 50, Acks.Leader);
            Assert.Equal(50, unacknowledged.Count);
            // The exporter caches a scrape briefly, so the gauge is polled rather than read once.
            Eventually.True(() => Gauge(oldLeader, "fjord_log_end_offset", topic) == 150, TimeSpan.FromSeconds(10),
                () => $"the leader's log end offset at 150\n{cluster.Output}");
            Assert.Equal(100, Gauge(oldLeader, "fjord_high_watermark", topic));
            oldLeader.Kill();
        }
        finally
        {
            foreach (var follower in followers) BrokerProcess.Signal(follower.ProcessId, "CONT");
        }
        output.WriteLine($"{timer.Elapsed}: node {oldLeader.Id} killed with 50 unacknowledged records at offsets 100-149");

        var survivors = cluster.BootstrapServersExcept(oldLeader.Id);
        Dictionary<int, int>? after = null;
        Eventually.True(() => (after = ClusterClient.Leaders(survivors, topic)) is { Count: 1 } l && l[0] >= 0 && l[0] != oldLeader.Id,
            TimeSpan.FromMilliseconds(SessionTimeoutMs + 60_000), () => $"a new leader other than node {oldLeader.Id}\n{cluster.Output}");
        var newLeader = cluster.Nodes[after![0]];
        output.WriteLine($"{timer.Elapsed}: node {newLeader.Id} leads {topic}-0");

        var afterChange = Produce(survivors, topic, "after", 100, Acks.All);
        Assert.Equal(100, afterChange.Count);

        consumer.Resume([partition]);
        consumed.AddRange(Consume(consumer, 100, TimeSpan.FromSeconds(90)));
        Assert.Equal(before.Concat(afterChange), consumed);
        foreach (var line in validationLog) output.WriteLine($"librdkafka: {line}");
        // KIP-320: librdkafka checked its position against the new leader before fetching on.
        Assert.Contains(validationLog, line => line.Contains("offset and epoch validation succeeded", StringComparison.Ordinal));

        cluster.Restart(oldLeader);
        long highWatermark = -1;
        Eventually.True(() =>
        {
            highWatermark = Gauge(newLeader, "fjord_high_watermark", topic);
            return highWatermark == 200 && cluster.Nodes.All(n => Gauge(n, "fjord_log_end_offset", topic) == highWatermark);
        }, TimeSpan.FromSeconds(90), () => $"every replica, the restarted node {oldLeader.Id} too, at the high watermark 200 (now {highWatermark})\n{cluster.Output}");
        output.WriteLine($"{timer.Elapsed}: node {oldLeader.Id} caught up to {highWatermark}");
        Assert.Contains($"Truncated {topic}-0 from log end offset 150 to 100", oldLeader.Output);

        foreach (var node in cluster.Nodes) node.Kill();
        var logs = cluster.Nodes.ToDictionary(n => n.Id, n => ReplicaLogs.Read(Path.Combine(n.DataDir, $"{topic}-0")));
        var reference = logs[newLeader.Id].Where(b => b.LastOffset < highWatermark).ToList();
        foreach (var (id, log) in logs)
        {
            var committed = log.Where(b => b.LastOffset < highWatermark).ToList();
            Assert.True(committed.Count == reference.Count, $"node {id} holds {committed.Count} batches below the high watermark, node {newLeader.Id} {reference.Count}");
            for (var i = 0; i < reference.Count; i++)
            {
                Assert.True(reference[i].Bytes.AsSpan().SequenceEqual(committed[i].Bytes),
                    $"node {id} batch {i} (offsets {committed[i].BaseOffset}-{committed[i].LastOffset}, epoch {committed[i].LeaderEpoch}) differs from node {newLeader.Id}'s "
                    + $"(offsets {reference[i].BaseOffset}-{reference[i].LastOffset}, epoch {reference[i].LeaderEpoch})");
            }
            var values = log.SelectMany(b => b.Values).ToList();
            Assert.DoesNotContain(values, v => v?.StartsWith("unacknowledged-", StringComparison.Ordinal) == true);
            foreach (var acknowledged in before.Concat(afterChange))
                Assert.True(values.Count(v => v == acknowledged) == 1, $"node {id} holds {values.Count(v => v == acknowledged)} copies of {acknowledged}");
        }
        output.WriteLine($"{timer.Elapsed}: {reference.Count} batches identical on all 3 nodes; epochs {string.Join(",", reference.Select(b => b.LeaderEpoch).Distinct())}");
    }

    [Fact]
    public async Task FollowerBehindTheLeadersLogStart_TruncatesFullyAndRestartsAtIt()
    {
        using var cluster = ClusterProcess.Start(3, s_settings);
        const string topic = "truncate-fully";
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { ControllerId: >= 0, Brokers: [0, 1, 2] },
            TimeSpan.FromSeconds(60), () => $"3 brokers and a controller\n{cluster.Output}");
        ClusterClient.CreateTopic(cluster.BootstrapServers, topic, 1, 3, TimeSpan.FromSeconds(30));
        Dictionary<int, int>? leaders = null;
        Eventually.True(() => (leaders = ClusterClient.Leaders(cluster.BootstrapServers, topic)) is { Count: 1 } l && l[0] >= 0,
            TimeSpan.FromSeconds(30), () => $"a leader for {topic}-0\n{cluster.Output}");
        var leader = cluster.Nodes[leaders![0]];
        var lagging = cluster.Nodes.First(n => n != leader);

        Assert.Equal(10, Produce(cluster.BootstrapServers, topic, "early", 10, Acks.All).Count);
        Eventually.True(() => Gauge(lagging, "fjord_log_end_offset", topic) == 10, TimeSpan.FromSeconds(60),
            () => $"node {lagging.Id} at log end offset 10\n{cluster.Output}");
        lagging.Kill();
        var survivors = cluster.BootstrapServersExcept(lagging.Id);
        Eventually.True(() => IsrSize(survivors, topic) == 2, TimeSpan.FromMilliseconds(SessionTimeoutMs + 60_000),
            () => $"ISR of {topic}-0 shrunk to 2 after node {lagging.Id} was killed\n{cluster.Output}");

        var later = Produce(survivors, topic, "later", 90, Acks.All);
        Assert.Equal(90, later.Count);
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = survivors }).Build())
        {
            var deleted = await admin.DeleteRecordsAsync([new TopicPartitionOffset(topic, 0, 60)]);
            Assert.Equal(60, deleted[0].Offset.Value);
        }

        // The lagging node ends at 10, below the leader's log start 60: OFFSET_OUT_OF_RANGE, then a fresh log at 60.
        cluster.Restart(lagging);
        Eventually.True(() => Gauge(lagging, "fjord_log_end_offset", topic) == 100 && Gauge(lagging, "fjord_log_start_offset", topic) == 60,
            TimeSpan.FromSeconds(90), () => $"node {lagging.Id} restarted at the leader's log start 60 and caught up to 100\n{cluster.Output}");
        Assert.Contains($"Truncated {topic}-0 fully (log end offset 10) to start at leader {leader.Id}'s log start offset 60", lagging.Output);

        foreach (var node in cluster.Nodes) node.Kill();
        var reference = ReplicaLogs.Read(Path.Combine(leader.DataDir, $"{topic}-0")).Where(b => b.LastOffset >= 60).ToList();
        var restarted = ReplicaLogs.Read(Path.Combine(lagging.DataDir, $"{topic}-0"));
        Assert.True(restarted.Count > 0 && restarted[0].BaseOffset >= 60, $"node {lagging.Id}'s log starts at {restarted.FirstOrDefault()?.BaseOffset}");
        Assert.Equal(reference.Where(b => b.BaseOffset >= restarted[0].BaseOffset).Select(b => Convert.ToHexString(b.Bytes)), restarted.Select(b => Convert.ToHexString(b.Bytes)));
        Assert.Equal(later.Skip(50), restarted.SelectMany(b => b.Values).Where(v => v!.StartsWith("later-", StringComparison.Ordinal) && int.Parse(v[6..]) >= 50));
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

    private static List<string> Produce(string bootstrapServers, string topic, string prefix, int count, Acks acks)
    {
        // Not idempotent: producer ids are still allocated per node (see ClusterReplicationTests).
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            Acks = acks,
            EnableIdempotence = false,
            MessageTimeoutMs = 60_000,
            LingerMs = 5,
        }).Build();
        // In rounds of 10, so the log holds several batches per phase for the batch-by-batch comparison.
        var acknowledged = new List<string>();
        for (var round = 0; round < count; round += 10)
        {
            var tasks = Enumerable.Range(round, Math.Min(10, count - round))
                .Select(i => producer.ProduceAsync(topic, new Message<Null, string> { Value = $"{prefix}-{i}" })).ToArray();
            foreach (var task in tasks)
            {
                var result = task.GetAwaiter().GetResult();
                if (result.Status == PersistenceStatus.Persisted) acknowledged.Add(result.Message.Value);
            }
        }
        return acknowledged;
    }

    private static List<string> Consume(IConsumer<Ignore, string> consumer, int count, TimeSpan timeout)
    {
        var values = new List<string>();
        var deadline = DateTime.UtcNow + timeout;
        while (values.Count < count && DateTime.UtcNow < deadline)
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (record?.Message is { } message) values.Add(message.Value);
        }
        return values;
    }

    /// <summary>A per-partition gauge of partition 0 of <paramref name="topic"/> on one node; -1 when the node does not answer.</summary>
    private static long Gauge(ClusterProcess.Node node, string family, string topic) =>
        Scrape(node) is { } scrape && scrape.Family(family).Any(s => s.Label("topic") == topic && s.Label("partition") == "0")
            ? (long)scrape.Sum(family, ("topic", topic), ("partition", "0"))
            : -1;

    private static PrometheusText? Scrape(ClusterProcess.Node node)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            return PrometheusText.Parse(http.GetStringAsync($"http://127.0.0.1:{node.HttpPort}/metrics").GetAwaiter().GetResult());
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }
}
