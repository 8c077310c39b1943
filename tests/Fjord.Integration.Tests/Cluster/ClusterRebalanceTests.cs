using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Harness;
using Fjord.Rpc.Admin;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// The built-in balancer (issue 16) on real processes: a 3-broker cluster holding topics grows by a 4th broker, and
/// ExecuteBalance (admin gRPC, the call the operator makes after a scale-out) spreads the replicas onto it under the
/// request's throttle while an acks=all idempotent producer runs; afterwards Confluent.Kafka's DescribeTopics shows
/// even replicas, the throttle configs are gone and every acknowledged record reads back. And the scale-in path: a
/// drain-only ExecuteBalance empties a broker, which then stops and is unregistered.
/// </summary>
public sealed class ClusterRebalanceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(120);
    private static readonly string[] s_settings = ["broker.session.timeout.ms=4000", "broker.heartbeat.interval.ms=500"];

    [Fact]
    public async Task ExecuteBalance_AfterAddingAFourthBroker_SpreadsReplicasOntoIt_UnderAnAcksAllProducer_LosingNothing()
    {
        using var cluster = ClusterProcess.Create(3, 1, s_settings);
        foreach (var node in cluster.Nodes.Take(3)) cluster.Launch(node);
        foreach (var node in cluster.Nodes.Take(3)) node.WaitUntilReady(TimeSpan.FromSeconds(60));
        var bootstrap = cluster.BootstrapServersExcept(3);
        Eventually.True(() => ClusterClient.Describe(bootstrap) is { ControllerId: >= 0, Brokers: [0, 1, 2] },
            TimeSpan.FromSeconds(30), () => $"3 brokers and a controller\n{cluster.Output}");
        ClusterClient.CreateTopic(bootstrap, "orders", 6, 2, TimeSpan.FromSeconds(30));
        ClusterClient.CreateTopic(bootstrap, "payments", 4, 3, TimeSpan.FromSeconds(30));
        Eventually.True(() => ClusterClient.Leaders(bootstrap, "orders") is { Count: 6 } l && l.Values.All(x => x >= 0),
            TimeSpan.FromSeconds(30), () => $"orders has 6 led partitions\n{cluster.Output}");
        PreloadPayments(bootstrap, 3000);

        var acknowledged = new ConcurrentQueue<string>();
        var failures = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var producing = new Thread(() => ProduceUntil(bootstrap, "orders", acknowledged, failures, stop.Token)) { IsBackground = true };
        producing.Start();
        Eventually.True(() => acknowledged.Count >= 2000, Generous, () => $"the producer got 2000 acks\n{cluster.Output}");

        cluster.Launch(cluster.Nodes[3]);
        cluster.Nodes[3].WaitUntilReady(TimeSpan.FromSeconds(60));
        Eventually.True(() => ClusterClient.Describe(bootstrap) is { Brokers: [0, 1, 2, 3] },
            TimeSpan.FromSeconds(30), () => $"broker 3 registered\n{cluster.Output}");

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{cluster.Nodes[1].RpcPort}");
        var admin = new AdminService.AdminServiceClient(channel);
        var proposed = await admin.ProposeBalanceAsync(new BalanceRequest());
        Assert.True(proposed.Error.Code == 0, proposed.Error.Message);
        Assert.True(proposed.Proposal.After.Single(b => b.BrokerId == 3).Replicas > 0, $"the proposal gives broker 3 nothing: {proposed.Proposal}");

        var clock = Stopwatch.StartNew();
        const long throttle = 50L * 1024 * 1024;
        var executed = await admin.ExecuteBalanceAsync(new BalanceRequest { ThrottleBytesPerSecond = throttle });
        Assert.True(executed.Error.Code == 0, executed.Error.Message);
        var plan = executed.Proposal;
        DescribeBalanceResponse? status = null;
        await EventuallyAsync(async () => (status = await admin.DescribeBalanceAsync(new DescribeBalanceRequest())).State is BalanceState.Completed or BalanceState.Failed,
            Generous, () => $"the balance finished; last: {status}\n{cluster.Output}");
        var took = clock.Elapsed;
        Assert.Equal(BalanceState.Completed, status!.State);
        Assert.Equal(plan.Moves.Count, status.CompletedMoves);
        Assert.Equal(throttle, status.ThrottleBytesPerSecond);

        using var client = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        var replicasPerBroker = new Dictionary<int, int> { [0] = 0, [1] = 0, [2] = 0, [3] = 0 };
        Dictionary<int, int>? seen = null;
        Eventually.True(() =>
        {
            var described = client.DescribeTopicsAsync(TopicCollection.OfTopicNames(["orders", "payments"])).GetAwaiter().GetResult();
            seen = replicasPerBroker.Keys.ToDictionary(b => b, b => described.TopicDescriptions.Sum(t => t.Partitions.Count(p => p.Replicas.Any(r => r.Id == b))));
            return seen.Values.Max() - seen.Values.Min() <= 1;
        }, TimeSpan.FromSeconds(30), () => $"replicas per broker within one of each other; last {string.Join(", ", seen!.Select(kv => $"{kv.Key}:{kv.Value}"))}\n{cluster.Output}");
        var configs = await client.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = "payments" }]);
        var throttled = configs[0].Entries.GetValueOrDefault("leader.replication.throttled.replicas")?.Value;
        Assert.True(string.IsNullOrEmpty(throttled), $"the balance left leader.replication.throttled.replicas={throttled} on payments");

        var atCompletion = acknowledged.Count;
        Eventually.True(() => acknowledged.Count >= atCompletion + 500, Generous, () => $"the producer kept getting acks after the balance\n{cluster.Output}");
        stop.Cancel();
        Assert.True(producing.Join(Generous), "the producer flushed its last records");
        var acked = acknowledged.ToHashSet(StringComparer.Ordinal);
        var read = ConsumeAll(bootstrap, "orders", 6, acked.Count).ToHashSet(StringComparer.Ordinal);
        var lost = acked.Where(v => !read.Contains(v)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged record(s) not read back, e.g. {string.Join(", ", lost.Take(5))}");

        output.WriteLine($"4th broker balanced in {took.TotalSeconds:F1} s: {plan.Moves.Count} moves ({plan.ReplicaMoves} copying data), " +
            $"{status.BytesToMove - status.BytesRemaining} bytes moved under a {throttle} B/s throttle; replicas per broker after: " +
            string.Join(", ", seen!.Select(kv => $"{kv.Key}:{kv.Value}")));
        output.WriteLine($"producer: {acked.Count} acknowledged, all read back; {failures.Count} failed deliveries (never acknowledged)");
        foreach (var failure in failures.Take(5)) output.WriteLine(failure);
    }

    [Fact]
    public async Task ExecuteBalance_DrainingBroker3_EmptiesIt_SoItCanBeStoppedAndUnregistered_LosingNothing()
    {
        using var cluster = ClusterProcess.StartWithLearners(3, 1, s_settings);
        var bootstrap = cluster.BootstrapServersExcept(3);
        Eventually.True(() => ClusterClient.Describe(bootstrap) is { ControllerId: >= 0, Brokers: [0, 1, 2, 3] },
            TimeSpan.FromSeconds(30), () => $"4 brokers and a controller\n{cluster.Output}");
        ClusterClient.CreateTopic(bootstrap, "orders", 8, 2, TimeSpan.FromSeconds(30));
        ClusterClient.CreateTopic(bootstrap, "payments", 4, 3, TimeSpan.FromSeconds(30));
        Eventually.True(() => ClusterClient.Leaders(bootstrap, "orders") is { Count: 8 } l && l.Values.All(x => x >= 0),
            TimeSpan.FromSeconds(30), () => $"orders has 8 led partitions\n{cluster.Output}");
        PreloadPayments(bootstrap, 2000);

        var acknowledged = new ConcurrentQueue<string>();
        var failures = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var producing = new Thread(() => ProduceUntil(bootstrap, "orders", acknowledged, failures, stop.Token)) { IsBackground = true };
        producing.Start();
        Eventually.True(() => acknowledged.Count >= 2000, Generous, () => $"the producer got 2000 acks\n{cluster.Output}");

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{cluster.Nodes[2].RpcPort}");
        var admin = new AdminService.AdminServiceClient(channel);
        var before = (await admin.DescribeClusterAsync(new DescribeClusterRequest())).Brokers.Single(b => b.Id == 3).ReplicaCount;
        Assert.True(before > 0, "broker 3 holds replicas before the drain");
        var clock = Stopwatch.StartNew();
        var executed = await admin.ExecuteBalanceAsync(new BalanceRequest { DrainBrokers = { 3 }, DrainOnly = true });
        Assert.True(executed.Error.Code == 0, executed.Error.Message);
        Assert.Empty(executed.Proposal.Unplaceable);
        Assert.All(executed.Proposal.Moves, m => Assert.Contains(3, m.Replicas));
        DescribeBalanceResponse? status = null;
        await EventuallyAsync(async () => (status = await admin.DescribeBalanceAsync(new DescribeBalanceRequest())).State is BalanceState.Completed or BalanceState.Failed,
            Generous, () => $"the drain finished; last: {status}\n{cluster.Output}");
        var took = clock.Elapsed;
        Assert.Equal(BalanceState.Completed, status!.State);
        Assert.Equal(0, (await admin.DescribeClusterAsync(new DescribeClusterRequest())).Brokers.Single(b => b.Id == 3).ReplicaCount);

        // Scale-in proper: the drained broker stops and is unregistered; nothing it held is missed.
        cluster.Nodes[3].Kill();
        UnregisterBrokerResponse? unregistered = null;
        await EventuallyAsync(async () => (unregistered = await admin.UnregisterBrokerAsync(new UnregisterBrokerRequest { BrokerId = 3 })).Error.Code == 0,
            TimeSpan.FromSeconds(30), () => $"broker 3 unregistered; last: {unregistered}\n{cluster.Output}");
        Eventually.True(() => ClusterClient.Describe(bootstrap) is { Brokers: [0, 1, 2] }, TimeSpan.FromSeconds(30), () => $"3 brokers left\n{cluster.Output}");

        var atUnregister = acknowledged.Count;
        Eventually.True(() => acknowledged.Count >= atUnregister + 500, Generous, () => $"the producer kept getting acks after the scale-in\n{cluster.Output}");
        stop.Cancel();
        Assert.True(producing.Join(Generous), "the producer flushed its last records");
        var acked = acknowledged.ToHashSet(StringComparer.Ordinal);
        var read = ConsumeAll(bootstrap, "orders", 8, acked.Count).ToHashSet(StringComparer.Ordinal);
        var lost = acked.Where(v => !read.Contains(v)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged record(s) not read back, e.g. {string.Join(", ", lost.Take(5))}");
        output.WriteLine($"broker 3 drained of {before} replicas in {took.TotalSeconds:F1} s ({executed.Proposal.Moves.Count} moves, " +
            $"{status.BytesToMove - status.BytesRemaining} bytes moved), then stopped and unregistered; producer: {acked.Count} acknowledged, all read back, " +
            $"{failures.Count} failed deliveries (never acknowledged)");
    }

    /// <summary>About 3 MB over the payments partitions, so the plan has bytes to weigh.</summary>
    private static void PreloadPayments(string bootstrapServers, int count)
    {
        using var producer = ClusterClient.IdempotentProducer(bootstrapServers);
        var payload = new string('p', 1000);
        for (var i = 0; i < count; i++) producer.Produce("payments", new Message<Null, string> { Value = $"{i}:{payload}" });
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
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

    private static List<string> ConsumeAll(string bootstrapServers, string topic, int partitions, int expected)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = "rebalance-check" }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var values = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (values.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500))?.Message is { } message) values.Add(message.Value);
        }
        return values;
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out after {timeout.TotalSeconds:F0} s waiting for: {what()}");
            await Task.Delay(200);
        }
    }
}
