using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// Leader-driven ISR management (KIP-497, KIP-841) across real processes killed with SIGKILL and driven by
/// Confluent.Kafka: a killed follower leaves the ISR (the leader shrinks it after replica.lag.time.max.ms, or the
/// controller after fencing it) and rejoins once restarted and caught up; a restarted preferred leader gets its
/// leadership back through the controller's preferred-leader rebalance; acks=all with min.insync.replicas=2 is
/// refused while the ISR is the leader alone. Follower kills only, or leader kills once every write is
/// acknowledged, so nothing here depends on follower truncation (KIP-101). Times are printed, never asserted.
/// </summary>
public sealed class ClusterIsrTests(ITestOutputHelper output)
{
    private const int SessionTimeoutMs = 6000;
    private const int ReplicaLagTimeMaxMs = 3000;

    private static readonly string[] s_settings =
    [
        $"broker.session.timeout.ms={SessionTimeoutMs}", "broker.heartbeat.interval.ms=500",
        $"replica.lag.time.max.ms={ReplicaLagTimeMaxMs}", "leader.imbalance.check.interval.seconds=3",
    ];

    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Fact]
    public void KillFollower_WhileProducing_IsrShrinksUnderReplicatedRisesAndProducingGoesOn_RestartedFollowerRejoins()
    {
        using var cluster = ClusterProcess.Start(3, s_settings);
        var controllerId = WaitForCluster(cluster, 3);
        const string topic = "isr-follower";
        CreateTopic(cluster.BootstrapServers, topic, partitions: 1, minInsyncReplicas: 2);
        var initial = WaitForPartition(cluster, cluster.BootstrapServers, topic, 0, p => p.Leader >= 0 && p.Isr.Length == 3, "a leader and a full ISR");
        var leader = cluster.Nodes[initial.Leader];
        // A follower that is not the controller, so only the ISR moves.
        var victim = cluster.Nodes.First(n => n.Id != initial.Leader && n.Id != controllerId);

        using var producer = new BackgroundProducer(cluster.BootstrapServers, topic);
        Eventually.True(() => producer.Acknowledged >= 50, Generous, () => $"the producer got 50 acks; {producer}\n{cluster.Output}");

        var clock = Stopwatch.StartNew();
        victim.Kill();
        var survivors = cluster.BootstrapServersExcept(victim.Id);
        var shrunk = WaitForPartition(cluster, survivors, topic, 0, p => p.Isr.Length == 2 && !p.Isr.Contains(victim.Id), $"node {victim.Id} out of the ISR");
        var shrinkTime = clock.Elapsed;
        Assert.Equal(initial.Leader, shrunk.Leader);
        var metrics = EventuallyScrape(leader, s => s.Sum("fjord_under_replicated_partitions") >= 1 && s.Sum("fjord_isr_shrinks_total") >= 1,
            "the leader reports an under-replicated partition and an ISR shrink", cluster);
        Assert.Equal(0, metrics.Sum("fjord_under_min_isr_partitions"));

        var ackedAtShrink = producer.Acknowledged;
        Eventually.True(() => producer.Acknowledged >= ackedAtShrink + 50, Generous,
            () => $"50 more acks with the ISR at 2 (min.insync.replicas=2); {producer}\n{cluster.Output}");

        clock.Restart();
        cluster.Restart(victim);
        var rejoined = WaitForPartition(cluster, cluster.BootstrapServers, topic, 0, p => p.Isr.Length == 3, $"node {victim.Id} back in the ISR");
        var rejoinTime = clock.Elapsed;
        Assert.Equal(initial.Leader, rejoined.Leader);
        var after = EventuallyScrape(leader, s => s.Sum("fjord_under_replicated_partitions") == 0 && s.Sum("fjord_isr_expands_total") >= 1,
            "the leader reports no under-replicated partition and an ISR expansion", cluster);

        var ackedAtRejoin = producer.Acknowledged;
        Eventually.True(() => producer.Acknowledged >= ackedAtRejoin + 50, Generous, () => $"50 more acks with the full ISR; {producer}\n{cluster.Output}");
        producer.Stop();
        output.WriteLine($"follower {victim.Id} killed: out of the ISR after {shrinkTime.TotalMilliseconds:F0} ms (replica.lag.time.max.ms={ReplicaLagTimeMaxMs}, " +
            $"session timeout {SessionTimeoutMs} ms); restarted: back in the ISR after {rejoinTime.TotalMilliseconds:F0} ms; " +
            $"leader counted {after.Sum("fjord_isr_shrinks_total")} shrink(s), {after.Sum("fjord_isr_expands_total")} expansion(s); {producer}");
        Assert.True(producer.Failures.Count == 0, $"acks=all produce failed while a single follower was down: {string.Join(", ", producer.Failures.Take(5))}");
    }

    [Fact]
    public void KillPreferredLeader_AnotherLeads_RestartedBrokerRejoinsTheIsrAndGetsLeadershipBack()
    {
        using var cluster = ClusterProcess.Start(3, s_settings);
        var controllerId = WaitForCluster(cluster, 3);
        const string topic = "isr-preferred";
        CreateTopic(cluster.BootstrapServers, topic, partitions: 3, minInsyncReplicas: 2);
        PartitionState[] partitions = [];
        Eventually.True(() =>
        {
            partitions = Describe(cluster.BootstrapServers, topic) ?? [];
            return partitions.Length == 3 && partitions.All(p => p.Leader == p.Replicas[0] && p.Isr.Length == 3);
        }, Generous, () => $"3 partitions led by their preferred replicas with full ISRs; {string.Join("; ", partitions.AsEnumerable())}\n{cluster.Output}");
        // A partition whose preferred leader is not the controller, so the controller's election is not part of the story.
        var target = partitions.First(p => p.Replicas[0] != controllerId);
        var victim = cluster.Nodes[target.Replicas[0]];

        // Every write acknowledged before the kill: the victim holds no suffix the others lack.
        var acknowledged = ProduceAll(cluster.BootstrapServers, topic, target.Partition, "before", 100);

        var clock = Stopwatch.StartNew();
        victim.Kill();
        var survivors = cluster.BootstrapServersExcept(victim.Id);
        var failover = WaitForPartition(cluster, survivors, topic, target.Partition, p => p.Leader >= 0 && p.Leader != victim.Id && !p.Isr.Contains(victim.Id),
            $"a leader other than node {victim.Id}");
        var failoverTime = clock.Elapsed;
        acknowledged.AddRange(ProduceAll(survivors, topic, target.Partition, "during", 50));

        clock.Restart();
        cluster.Restart(victim);
        var restarted = clock.Elapsed;
        var rejoined = WaitForPartition(cluster, cluster.BootstrapServers, topic, target.Partition, p => p.Isr.Contains(victim.Id), $"node {victim.Id} back in the ISR");
        var rejoinTime = clock.Elapsed;
        var back = WaitForPartition(cluster, cluster.BootstrapServers, topic, target.Partition, p => p.Leader == victim.Id, $"node {victim.Id} leading again");
        var leadershipTime = clock.Elapsed;
        output.WriteLine($"preferred leader {victim.Id} of {topic}-{target.Partition} killed: node {failover.Leader} led after {failoverTime.TotalMilliseconds:F0} ms; " +
            $"restarted (ready after {restarted.TotalMilliseconds:F0} ms), back in the ISR {rejoined} after {rejoinTime.TotalMilliseconds:F0} ms, " +
            $"leader again after {leadershipTime.TotalMilliseconds:F0} ms (leader.imbalance.check.interval.seconds=3)");
        Assert.Equal(3, back.Isr.Length);

        acknowledged.AddRange(ProduceAll(cluster.BootstrapServers, topic, target.Partition, "after", 20));
        var consumed = Consume(cluster.BootstrapServers, topic, target.Partition, acknowledged.Count);
        var missing = acknowledged.Except(consumed).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged records missing after leadership went back, e.g. {string.Join(",", missing.Take(5))}\n{cluster.Output}");
    }

    [Fact]
    public void KillBothFollowers_AcksAllIsRefusedNotEnoughReplicas_AndRecoversWhenOneReturns()
    {
        // Five voters, so the metadata quorum (and with it the controller) survives two dead brokers.
        using var cluster = ClusterProcess.Start(5, s_settings);
        WaitForCluster(cluster, 5);
        const string topic = "isr-min";
        // min.insync.replicas=2 as the dynamic cluster-wide default, not a topic override: produce and the
        // under-min-ISR metric must both take it from there.
        var clusterDefault = RawAdminRequests.SetConfig(cluster.Nodes[0].KafkaPort, RawAdminRequests.BrokerResource, "", "min.insync.replicas", "2");
        Assert.True(clusterDefault.ErrorCode == 0, clusterDefault.ErrorMessage);
        CreateTopic(cluster.BootstrapServers, topic, partitions: 1, minInsyncReplicas: null, replicationFactor: 3);
        var initial = WaitForPartition(cluster, cluster.BootstrapServers, topic, 0, p => p.Leader >= 0 && p.Isr.Length == 3, "a leader and a full ISR");
        ProduceAll(cluster.BootstrapServers, topic, 0, "full", 10);

        var followers = initial.Replicas.Where(r => r != initial.Leader).Select(r => cluster.Nodes[r]).ToArray();
        var clock = Stopwatch.StartNew();
        foreach (var follower in followers) follower.Kill();
        var survivors = string.Join(',', cluster.Nodes.Where(n => !followers.Contains(n)).Select(n => n.BootstrapServers));
        WaitForPartition(cluster, survivors, topic, 0, p => p.Isr.SequenceEqual([initial.Leader]), "the ISR down to the leader alone");
        var shrinkTime = clock.Elapsed;

        using (var producer = SingleAttemptProducer(survivors))
        {
            var refused = Assert.Throws<ProduceException<Null, string>>(() => ProduceOne(producer, new TopicPartition(topic, 0), "too-few"));
            Assert.Equal(ErrorCode.NotEnoughReplicas, refused.Error.Code);
        }
        EventuallyScrape(cluster.Nodes[initial.Leader], s => s.Sum("fjord_under_min_isr_partitions") == 1 && s.Sum("fjord_under_replicated_partitions") == 1,
            "the leader reports the partition under min ISR", cluster);

        clock.Restart();
        cluster.Restart(followers[0]);
        WaitForPartition(cluster, survivors, topic, 0, p => p.Isr.Length == 2 && p.Isr.Contains(followers[0].Id), $"node {followers[0].Id} back in the ISR");
        var rejoinTime = clock.Elapsed;
        using (var producer = SingleAttemptProducer(cluster.BootstrapServers))
        {
            Assert.Equal(PersistenceStatus.Persisted, ProduceOne(producer, new TopicPartition(topic, 0), "enough-again").Status);
        }
        output.WriteLine($"followers {string.Join(",", followers.Select(f => f.Id))} killed: ISR down to leader {initial.Leader} after {shrinkTime.TotalMilliseconds:F0} ms; " +
            $"node {followers[0].Id} restarted and back in the ISR after {rejoinTime.TotalMilliseconds:F0} ms; acks=all accepted again");
    }

    [Fact]
    public void IsrShrinksBelowMinInsyncReplicasWhileAProduceWaits_AnswersNotEnoughReplicasAfterAppend()
    {
        using var cluster = ClusterProcess.Start(3, s_settings);
        var controllerId = WaitForCluster(cluster, 3);
        const string topic = "isr-after-append";
        CreateTopic(cluster.BootstrapServers, topic, partitions: 1, minInsyncReplicas: 3);
        var initial = WaitForPartition(cluster, cluster.BootstrapServers, topic, 0, p => p.Leader >= 0 && p.Isr.Length == 3, "a leader and a full ISR");
        var victim = cluster.Nodes.First(n => n.Id != initial.Leader && n.Id != controllerId);

        using var producer = SingleAttemptProducer(cluster.BootstrapServers);
        // Connected and acknowledged with the full ISR first, so the next write reaches the leader at once.
        Assert.Equal(PersistenceStatus.Persisted, ProduceOne(producer, new TopicPartition(topic, 0), "full-isr").Status);

        // The write is appended while the ISR is still 3 = min.insync.replicas, then waits for the killed follower
        // until the ISR shrinks to 2: it is committed by fewer replicas than the producer asked for.
        victim.Kill();
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<ProduceException<Null, string>>(() => ProduceOne(producer, new TopicPartition(topic, 0), "shrunk-while-waiting"));
        output.WriteLine($"follower {victim.Id} killed; the waiting acks=all produce was answered {error.Error.Code} after {clock.ElapsedMilliseconds} ms");
        Assert.Equal(ErrorCode.NotEnoughReplicasAfterAppend, error.Error.Code);
        WaitForPartition(cluster, cluster.BootstrapServersExcept(victim.Id), topic, 0, p => p.Isr.Length == 2, "the ISR shrunk to 2");
    }

    /// <summary>One partition as Metadata reports it.</summary>
    private sealed record PartitionState(int Partition, int Leader, int[] Replicas, int[] Isr)
    {
        public override string ToString() => $"p{Partition} leader={Leader} replicas=[{string.Join(",", Replicas)}] isr=[{string.Join(",", Isr)}]";
    }

    private static PartitionState[]? Describe(string bootstrapServers, string topic)
    {
        try
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers, SocketTimeoutMs = 3000 }).Build();
            var described = admin.GetMetadata(topic, TimeSpan.FromSeconds(3)).Topics.SingleOrDefault(t => t.Topic == topic);
            if (described is null || described.Error.IsError) return null;
            return [.. described.Partitions.OrderBy(p => p.PartitionId).Select(p => new PartitionState(p.PartitionId, p.Leader, p.Replicas, p.InSyncReplicas))];
        }
        catch (KafkaException)
        {
            return null;
        }
    }

    private static PartitionState WaitForPartition(ClusterProcess cluster, string bootstrapServers, string topic, int partition, Func<PartitionState, bool> condition, string what)
    {
        PartitionState? last = null;
        Eventually.True(() => (last = Describe(bootstrapServers, topic)?.FirstOrDefault(p => p.Partition == partition)) is { } p && condition(p),
            Generous, () => $"{topic}-{partition}: {what}; last {last}\n{cluster.Output}");
        return last!;
    }

    private static int WaitForCluster(ClusterProcess cluster, int brokers)
    {
        (int? ControllerId, int[] Brokers)? described = null;
        Eventually.True(() => (described = ClusterClient.Describe(cluster.BootstrapServers)) is { ControllerId: >= 0 } d && d.Brokers.Length == brokers,
            Generous, () => $"{brokers} brokers and a controller; last {described}\n{cluster.Output}");
        return described!.Value.ControllerId!.Value;
    }

    private static void CreateTopic(string bootstrapServers, string topic, int partitions, int? minInsyncReplicas, short replicationFactor = 3)
    {
        string? last = null;
        Eventually.True(() =>
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
            try
            {
                admin.CreateTopicsAsync([new TopicSpecification
                {
                    Name = topic, NumPartitions = partitions, ReplicationFactor = replicationFactor,
                    Configs = minInsyncReplicas is { } min
                        ? new Dictionary<string, string> { ["min.insync.replicas"] = min.ToString(System.Globalization.CultureInfo.InvariantCulture) }
                        : [],
                }], new CreateTopicsOptions { RequestTimeout = TimeSpan.FromSeconds(5), OperationTimeout = TimeSpan.FromSeconds(5) }).GetAwaiter().GetResult();
                return true;
            }
            catch (CreateTopicsException e) when (e.Results[0].Error.Code == ErrorCode.TopicAlreadyExists)
            {
                return true;
            }
            catch (KafkaException e)
            {
                last = e.Message;
                return false;
            }
        }, Generous, () => $"topic {topic} created; last error {last}");
    }

    private static DeliveryResult<Null, string> ProduceOne(IProducer<Null, string> producer, TopicPartition partition, string value) =>
        producer.ProduceAsync(partition, new Message<Null, string> { Value = value }).GetAwaiter().GetResult();

    private static IProducer<Null, string> SingleAttemptProducer(string bootstrapServers) =>
        new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = false,
            MessageSendMaxRetries = 0,
            MessageTimeoutMs = 20_000,
            RequestTimeoutMs = 15_000,
        }).Build();

    /// <summary>
    /// acks=all writes to one partition, every one awaited. Not idempotent: producer ids are still allocated per
    /// node, so after a leader change a new leader may hand out an id whose replicated sequences reject seq 0.
    /// </summary>
    private static List<string> ProduceAll(string bootstrapServers, string topic, int partition, string prefix, int count)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = false,
            MessageTimeoutMs = 60_000,
            LingerMs = 5,
        }).Build();
        var tasks = Enumerable.Range(0, count)
            .Select(i => producer.ProduceAsync(new TopicPartition(topic, partition), new Message<Null, string> { Value = $"{prefix}-{i}" })).ToArray();
        var acknowledged = new List<string>();
        foreach (var task in tasks)
        {
            var result = task.GetAwaiter().GetResult();
            Assert.Equal(PersistenceStatus.Persisted, result.Status);
            acknowledged.Add(result.Message.Value);
        }
        return acknowledged;
    }

    private static List<string> Consume(string bootstrapServers, string topic, int partition, int expected)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "isr-check",
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, partition, Offset.Beginning));
        var values = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (values.Count < expected && DateTime.UtcNow < deadline)
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (record?.Message is { } message) values.Add(message.Value);
        }
        return values;
    }

    private static PrometheusText EventuallyScrape(ClusterProcess.Node node, Func<PrometheusText, bool> condition, string what, ClusterProcess cluster)
    {
        PrometheusText? last = null;
        Eventually.True(() => condition(last = node.ScrapeMetrics()), Generous,
            () => $"node {node.Id}: {what}; under-replicated {last?.Sum("fjord_under_replicated_partitions")}, " +
                  $"shrinks {last?.Sum("fjord_isr_shrinks_total")}, expands {last?.Sum("fjord_isr_expands_total")}\n{cluster.Output}");
        return last!;
    }
}
