using System.Diagnostics;
using Confluent.Kafka;
using Fjord.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// Replication throttles (KIP-73) on a real reassignment: a ~50 MB RF=1 partition moves from broker 0 to broker 1
/// across 3 processes, with the follower throttle (broker 1 fetches at most 5 MB/s for <c>0:1</c>; the rate set at
/// runtime through IncrementalAlterConfigs on BROKER 1), the leader throttle (broker 0 sends at most 5 MB/s for
/// <c>0:0</c>; the rate a static setting) or none. A rate limiter may be slower than its bound on a
/// busy machine but never faster: the throttled copy must take at least half of size / rate (the bound allows one
/// sample's worth as a first burst plus one fetch of overshoot). Timings are printed, never asserted from above.
/// </summary>
public sealed class ClusterReplicationThrottleTests(ITestOutputHelper output)
{
    private const long Rate = 5_000_000;
    private const int RecordBytes = 10_000;
    private const int Records = 5_000;

    [Theory]
    [InlineData("follower")]
    [InlineData("leader")]
    [InlineData("none")]
    public void Reassign_50MbPartition_IsRateLimitedByTheThrottle(string throttle)
    {
        // The leader throttle is a static setting; the follower throttle is set at runtime (below), as a dynamic broker config.
        string[] settings = throttle == "leader" ? [$"leader.replication.throttled.rate={Rate}"] : [];
        using var cluster = ClusterProcess.Start(3, [.. settings, "broker.session.timeout.ms=6000", "broker.heartbeat.interval.ms=500"]);
        var topic = $"throttled-{throttle}";
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { ControllerId: >= 0, Brokers: [0, 1, 2] },
            TimeSpan.FromSeconds(30), () => $"3 brokers and a controller\n{cluster.Output}");
        if (throttle == "follower")
        {
            var set = RawAdminRequests.SetConfig(cluster.Nodes[0].KafkaPort, RawAdminRequests.BrokerResource, "1", "follower.replication.throttled.rate", Rate.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(set.ErrorCode == 0, set.ErrorMessage);
        }

        var configs = throttle switch
        {
            "follower" => new Dictionary<string, string> { ["follower.replication.throttled.replicas"] = "0:1" },
            "leader" => new Dictionary<string, string> { ["leader.replication.throttled.replicas"] = "0:0" },
            _ => new Dictionary<string, string>(),
        };
        short error = -1;
        Eventually.True(() => (error = RawAdminRequests.CreateTopic(cluster.Nodes[0].KafkaPort, topic, [0], configs)) is 0 or 36,
            TimeSpan.FromSeconds(30), () => $"topic {topic} created; last error {error}\n{cluster.Output}");
        Eventually.True(() => ClusterElectLeadersTests.Partition(cluster.BootstrapServers, topic) is { Leader: 0 },
            TimeSpan.FromSeconds(30), () => $"node 0 leads {topic}-0\n{cluster.Output}");
        var bytes = Produce(cluster.BootstrapServers, topic);

        var clock = Stopwatch.StartNew();
        Assert.Equal((0, null), RawAdminRequests.Reassign(cluster.Nodes[2].KafkaPort, topic, 0, [1]));
        Eventually.True(() => ClusterElectLeadersTests.Partition(cluster.BootstrapServers, topic) is { Leader: 1, Replicas: [1] },
            TimeSpan.FromSeconds(240), () => $"the reassignment of {topic}-0 completed\n{cluster.Output}");
        var took = clock.Elapsed;
        output.WriteLine($"throttle={throttle}: moved {bytes / 1e6:F1} MB in {took.TotalSeconds:F1} s ({bytes / took.TotalSeconds / 1e6:F1} MB/s; bound {Rate / 1e6} MB/s when throttled)");

        var log1 = Path.Combine(cluster.Nodes[1].DataDir, $"{topic}-0");
        Assert.True(Directory.GetFiles(log1, "*.log").Sum(f => new FileInfo(f).Length) >= bytes, "broker 1 holds the whole partition");
        if (throttle != "none")
        {
            var floor = TimeSpan.FromSeconds(0.5 * bytes / Rate);
            Assert.True(took >= floor, $"a {Rate} B/s throttle moved {bytes} bytes in {took}, faster than {floor}");
        }
    }

    private static long Produce(string bootstrapServers, string topic)
    {
        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            Acks = Acks.All,
            LingerMs = 20,
            MessageTimeoutMs = 120_000,
        }).Build();
        var random = new Random(7);
        for (var i = 0; i < Records; i++)
        {
            var value = new byte[RecordBytes];
            random.NextBytes(value);
            producer.Produce(topic, new Message<Null, byte[]> { Value = value });
        }
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(120)));
        return (long)Records * RecordBytes;
    }
}
