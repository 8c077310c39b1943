using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using Fjord.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// KIP-841 controlled shutdown of a real process on SIGTERM while a Confluent.Kafka acks=all idempotent
/// producer writes to an RF=3 topic: the controller moves the node's leaderships away before it exits
/// (the session timeout is long, so only controlled shutdown can move them this fast), and every acked
/// value is read back exactly once — for an ordinary leader and for the active controller's node, which also
/// hands metadata quorum leadership to another voter. The shutdown time and the producer's longest stall
/// are reported.
/// </summary>
public sealed class ClusterControlledShutdownTests(ITestOutputHelper output)
{
    private const string Topic = "controlled-shutdown";
    private const int Partitions = 6;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sigterm_OfAPartitionLeader_MovesLeadershipsBeforeExit_AndAnAcksAllProducerLosesNothing(bool victimIsController)
    {
        using var cluster = ClusterProcess.Start(3, "broker.session.timeout.ms=60000", "broker.heartbeat.interval.ms=500");
        ClusterClient.CreateTopic(cluster.BootstrapServers, Topic, Partitions, 3, TimeSpan.FromSeconds(20));
        Dictionary<int, int>? leaders = null;
        Eventually.True(() => (leaders = ClusterClient.Leaders(cluster.BootstrapServers, Topic)) is { Count: Partitions } l && l.Values.All(x => x >= 0),
            TimeSpan.FromSeconds(20), () => $"{Partitions} led partitions\n{cluster.Output}");
        var controllerId = -1;
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { ControllerId: >= 0 and var id } && (controllerId = id) >= 0,
            TimeSpan.FromSeconds(20), () => $"DescribeCluster naming a controller\n{cluster.Output}");
        // Either the controller's node (it also hands metadata quorum leadership off) or the busiest other leader.
        var victim = victimIsController ? controllerId
            : leaders!.Values.Where(l => l != controllerId).GroupBy(l => l).OrderByDescending(g => g.Count()).First().Key;
        var survivors = cluster.BootstrapServersExcept(victim);

        var acked = new ConcurrentQueue<(int Value, long At)>();
        var failed = 0;
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var producing = new Thread(() =>
        {
            using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
            {
                BootstrapServers = cluster.BootstrapServers,
                Acks = Acks.All,
                EnableIdempotence = true,
                LingerMs = 2,
                MessageTimeoutMs = 120_000,
            }).Build();
            for (var value = 0; !stop.IsCancellationRequested; value++)
            {
                var sent = value;
                producer.Produce(Topic, new Message<Null, string> { Value = sent.ToString(System.Globalization.CultureInfo.InvariantCulture) }, report =>
                {
                    if (report.Error.IsError) Interlocked.Increment(ref failed);
                    else acked.Enqueue((sent, clock.ElapsedMilliseconds));
                });
                Thread.Sleep(2);
            }
            producer.Flush(TimeSpan.FromSeconds(120));
        });
        producing.Start();

        Eventually.True(() => acked.Count >= 500, TimeSpan.FromSeconds(30), () => $"the producer getting 500 acks (has {acked.Count}, {failed} failed)\n{cluster.Output}");
        var node = cluster.Nodes[victim];
        var terminatedAt = clock.ElapsedMilliseconds;
        node.Terminate();
        Eventually.True(() => node.HasExited, TimeSpan.FromSeconds(60), () => $"node {victim} exiting after SIGTERM\n{node.Output}");
        var exitedAt = clock.ElapsedMilliseconds;
        Assert.True(node.Output.Contains("may shut down", StringComparison.Ordinal), $"node {victim} logging that the controller let it shut down:\n{node.Output}");

        // Leaderships moved by controlled shutdown (the "may shut down" above: the controller grants it only once the
        // node leads nothing); how soon clients see it is measured and printed, not asserted.
        Dictionary<int, int>? after = null;
        Eventually.True(() => (after = ClusterClient.Leaders(survivors, Topic)) is { Count: Partitions } l && l.Values.All(x => x >= 0 && x != victim),
            TimeSpan.FromSeconds(120), () => $"partitions led by survivors after node {victim} exited; last {string.Join(',', after?.Select(p => $"{p.Key}:{p.Value}") ?? [])}\n{cluster.Output}");
        var leadersMovedAt = clock.ElapsedMilliseconds;
        int? newController = null;
        Eventually.True(() => (newController = ClusterClient.Describe(survivors)?.ControllerId) is { } id && id != victim,
            TimeSpan.FromSeconds(20), () => $"an active controller among the survivors; last {newController}\n{cluster.Output}");
        var controllerSeenAt = clock.ElapsedMilliseconds;
        var ackedBeforeStop = acked.Count;
        Eventually.True(() => acked.Count >= ackedBeforeStop + 500, TimeSpan.FromSeconds(60), () => $"500 more acks after the shutdown ({acked.Count - ackedBeforeStop})\n{cluster.Output}");
        stop.Cancel();
        Assert.True(producing.Join(TimeSpan.FromSeconds(150)), "the producer flushed");

        var ackedValues = acked.Select(a => a.Value).ToHashSet();
        var read = ReadAll(survivors, ackedValues.Count);
        var counts = read.GroupBy(v => v).ToDictionary(g => g.Key, g => g.Count());
        var missing = ackedValues.Where(v => !counts.ContainsKey(v)).ToList();
        var duplicated = ackedValues.Where(v => counts.GetValueOrDefault(v) > 1).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acked values missing, e.g. {string.Join(',', missing.Take(10))}");
        Assert.True(duplicated.Count == 0, $"{duplicated.Count} acked values read more than once, e.g. {string.Join(',', duplicated.Take(10))}");

        var times = acked.Select(a => a.At).Order().ToArray();
        long stall = 0;
        for (var i = 1; i < times.Length; i++)
            if (times[i] >= terminatedAt - 1000) stall = Math.Max(stall, times[i] - times[i - 1]);
        output.WriteLine($"SIGTERM of node {victim} ({(victimIsController ? "the controller" : "not the controller")}, led {leaders!.Values.Count(l => l == victim)} of {Partitions} partitions): exited after {exitedAt - terminatedAt} ms; " +
            $"survivors lead every partition {leadersMovedAt - terminatedAt} ms after SIGTERM; controller {newController} seen by a client {controllerSeenAt - terminatedAt} ms after SIGTERM; " +
            $"longest gap between acks around it {stall} ms; {ackedValues.Count} values acked ({failed} failed), all read back once");
    }

    private static List<int> ReadAll(string bootstrapServers, int atLeast)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "verify-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
        }).Build();
        // The producer has flushed and stopped: read every partition up to its high watermark, the whole log.
        var highWatermarks = Enumerable.Range(0, Partitions)
            .ToDictionary(p => p, p => consumer.QueryWatermarkOffsets(new TopicPartition(Topic, p), TimeSpan.FromSeconds(30)).High.Value);
        var next = Enumerable.Range(0, Partitions).ToDictionary(p => p, _ => 0L);
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(Topic, p, Offset.Beginning)));
        var values = new List<int>();
        Eventually.True(() =>
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (record?.Message is not null)
            {
                values.Add(int.Parse(record.Message.Value, System.Globalization.CultureInfo.InvariantCulture));
                next[record.Partition.Value] = record.Offset.Value + 1;
            }
            return next.All(n => n.Value >= highWatermarks[n.Key]);
        }, TimeSpan.FromSeconds(120), () => $"reading every partition to its high watermark ({atLeast} values acked): at {string.Join(',', next.Select(n => $"{n.Key}:{n.Value}/{highWatermarks[n.Key]}"))}");
        consumer.Close();
        return values;
    }
}
