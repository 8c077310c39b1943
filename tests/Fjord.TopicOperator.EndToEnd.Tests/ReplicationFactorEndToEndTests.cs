using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Fjord.TopicOperator.EndToEnd.Tests;

/// <summary>
/// A FjordTopic's replication factor changed 1 → 3 → 2 on a three-broker FjordCluster (it needs kube-local's pod DNS,
/// as the brokers find their voters by pod name) while an acks=all idempotent producer keeps writing: every
/// acknowledged record is read back once afterwards. The topic is filled first (FJORD_TOPIC_RF_MB, default 10 MB), the
/// cluster's balancer places the new replicas and throttles the copy at the FjordCluster's rebalance throttle
/// (FJORD_TOPIC_RF_THROTTLE bytes/s, default 2 MiB/s so the throttle is seen in place), and the 1 → 3 duration printed.
/// </summary>
[Collection(KubeLocalCluster.Collection)]
public sealed class ReplicationFactorEndToEndTests
{
    private const string Topic = "replicated";
    private static readonly TimeSpan s_moveTimeout = TimeSpan.FromMinutes(5);
    private readonly ITestOutputHelper _output;

    public ReplicationFactorEndToEndTests(ITestOutputHelper output) => _output = output;

    private static int FillMegabytes =>
        int.TryParse(Environment.GetEnvironmentVariable("FJORD_TOPIC_RF_MB"), NumberStyles.None, CultureInfo.InvariantCulture, out var mb) ? mb : 10;

    private static long Throttle =>
        long.TryParse(Environment.GetEnvironmentVariable("FJORD_TOPIC_RF_THROTTLE"), NumberStyles.None, CultureInfo.InvariantCulture, out var rate) ? rate : 2 * 1024 * 1024;

    [PodDnsFact]
    public async Task ReplicationFactor_1To3To2_WithAProducerRunning_KeepsEveryAcknowledgedRecord()
    {
        using var env = TopicOperatorEnvironment.WithBrokers(3, Throttle);
        env.ApplyUntilReady(Topic, TopicOperatorEnvironment.TopicManifest(Topic, 3, replicas: 1));
        var filled = Fill(env, FillMegabytes);

        using var stop = new CancellationTokenSource();
        var acked = new ConcurrentQueue<string>();
        var producing = Task.Run(() => ProduceUntilStoppedAsync(env.Bootstrap, acked, stop.Token));
        Eventually.True(() => acked.Count > 50, TimeSpan.FromSeconds(60), "the producer's first acknowledgements");

        var started = Stopwatch.GetTimestamp();
        env.Apply(TopicOperatorEnvironment.TopicManifest(Topic, 3, replicas: 3));
        using var sampling = new CancellationTokenSource();
        var throttleSeen = Task.Run(() => SampleThrottle(env, sampling.Token));
        env.WaitReady(Topic, s_moveTimeout);
        var toThree = Stopwatch.GetElapsedTime(started);
        await sampling.CancelAsync();
        var seen = await throttleSeen;
        Assert.All(env.KafkaTopic(Topic)!.Partitions, p => Assert.Equal(3, p.Replicas.Length));
        // Every replica caught up; polled, since a broker that restarts meanwhile leaves the ISR for a while.
        Eventually.True(() => env.KafkaTopic(Topic)!.Partitions.All(p => p.InSyncReplicas.Length == 3), TimeSpan.FromMinutes(2),
            () => $"ISR of 3 on every partition: {string.Join("; ", env.KafkaTopic(Topic)!.Partitions.Select(p => $"{p.PartitionId}: [{string.Join(",", p.InSyncReplicas)}]"))}");
        Assert.True(seen is not null, $"the throttle ({Throttle} B/s) was never seen while the replicas moved");
        _output.WriteLine($"while moving: {seen}");
        Assert.True(string.IsNullOrEmpty(env.KafkaTopicConfigs(Topic)["leader.replication.throttled.replicas"]), "topic throttles removed once replicas stopped moving");
        // Removed: back to the default (unlimited), no longer the cluster's throttle.
        Eventually.True(() => Enumerable.Range(0, 3).All(b => env.KafkaBrokerConfigs(b).GetValueOrDefault("leader.replication.throttled.rate") != Throttle.ToString(CultureInfo.InvariantCulture)),
            TimeSpan.FromSeconds(30), () => $"the balancer removed the brokers' throttle rates after the move: {string.Join(", ", Enumerable.Range(0, 3).Select(b => env.KafkaBrokerConfigs(b).GetValueOrDefault("leader.replication.throttled.rate")))}");

        env.Apply(TopicOperatorEnvironment.TopicManifest(Topic, 3, replicas: 2));
        env.WaitReady(Topic, s_moveTimeout);
        Assert.All(env.KafkaTopic(Topic)!.Partitions, p => Assert.Equal(2, p.Replicas.Length));

        var before = acked.Count;
        Eventually.True(() => acked.Count > before + 50, TimeSpan.FromSeconds(60), "acknowledgements after the RF changes");
        await stop.CancelAsync();
        await producing;
        _output.WriteLine($"RF 1 → 3 of a topic holding {filled / (1024 * 1024)} MB, throttle {Throttle} B/s: {toThree.TotalSeconds:F1} s (apply → Ready); " +
            $"{acked.Count} records acknowledged while it moved");

        var read = ReadAll(env.Bootstrap);
        var missing = acked.Where(v => !read.Contains(v)).Take(10).ToList();
        Assert.True(missing.Count == 0, $"acknowledged but not read back: {string.Join(", ", missing)} (acked {acked.Count}, read {read.Count})");
    }

    /// <summary>
    /// Polls until cancelled; answers the first sample that showed both the topic's throttled replicas and broker 0's
    /// throttle rate, or null when none did.
    /// </summary>
    private static string? SampleThrottle(TopicOperatorEnvironment env, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var replicas = env.KafkaTopicConfigs(Topic).GetValueOrDefault("leader.replication.throttled.replicas");
            var rate = env.KafkaBrokerConfigs(0).GetValueOrDefault("leader.replication.throttled.rate");
            if (!string.IsNullOrEmpty(replicas) && rate == Throttle.ToString(CultureInfo.InvariantCulture))
            {
                return $"leader.replication.throttled.replicas={replicas}, broker 0 leader.replication.throttled.rate={rate}";
            }
            stop.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(100));
        }
        return null;
    }

    private static long Fill(TopicOperatorEnvironment env, int megabytes)
    {
        var value = new byte[64 * 1024];
        Random.Shared.NextBytes(value);
        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = env.Bootstrap, Acks = Acks.All, LingerMs = 20 }).Build();
        var count = megabytes * 1024L * 1024 / value.Length;
        for (var i = 0; i < count; i++)
        {
            producer.Produce(Topic, new Message<Null, byte[]> { Value = value });
        }
        Assert.True(producer.Flush(TimeSpan.FromMinutes(5)) == 0, "the fill was acknowledged in full");
        return count * value.Length;
    }

    private static async Task ProduceUntilStoppedAsync(string bootstrap, ConcurrentQueue<string> acked, CancellationToken stop)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = bootstrap, Acks = Acks.All, EnableIdempotence = true, MessageTimeoutMs = 60_000,
        }).Build();
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var value = $"record-{i}";
            try
            {
                await producer.ProduceAsync(Topic, new Message<Null, string> { Value = value }, CancellationToken.None);
                acked.Enqueue(value);
            }
            catch (ProduceException<Null, string>)
            {
                // Not acknowledged: no promise to keep.
            }
        }
    }

    private static HashSet<string> ReadAll(string bootstrap)
    {
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap, GroupId = "rf-check", AutoOffsetReset = AutoOffsetReset.Earliest, EnablePartitionEof = true,
        }).Build();
        consumer.Subscribe(Topic);
        var read = new HashSet<string>(StringComparer.Ordinal);
        var ends = new HashSet<int>();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (ends.Count < 3 && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromSeconds(1));
            if (result is null)
            {
                continue;
            }
            if (result.IsPartitionEOF)
            {
                ends.Add(result.Partition.Value);
                continue;
            }
            ends.Remove(result.Partition.Value);
            if (result.Message.Value.Length < 64)
            {
                read.Add(System.Text.Encoding.UTF8.GetString(result.Message.Value));
            }
        }
        consumer.Close();
        return read;
    }
}
