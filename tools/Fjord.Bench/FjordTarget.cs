using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Cli.Perf;
using Fjord.Cli.Perf.Lean;

namespace Fjord.Bench;

/// <summary>
/// Fjord under benchmark, driven by the `fjord perf` code: either one Release fjord-broker process with acks=1
/// and replication factor 1, or three processes on loopback forming a cluster (all three metadata voters) with
/// replication factor 3, <c>min.insync.replicas=2</c> and acks=all, so the two can be compared on one machine.
/// </summary>
public sealed class FjordTarget : IBenchTarget
{
    private readonly string _bootstrap;
    private readonly List<ServerProcess> _servers = [];
    private readonly short _replicationFactor;
    private readonly string _acks;

    private FjordTarget(string system, string durability, short replicationFactor, string acks, string bootstrap)
    {
        System = system;
        Durability = durability;
        _replicationFactor = replicationFactor;
        _acks = acks;
        _bootstrap = bootstrap;
    }

    /// <summary>One node, acks=1: the single-node figures.</summary>
    public static FjordTarget OneNode(string brokerDll, string dataRoot)
    {
        var kafkaPort = FreePort();
        var target = new FjordTarget("Fjord", "acks=1, no fsync", 1, "1", $"127.0.0.1:{kafkaPort}");
        var dataDir = DataDir(dataRoot);
        target._servers.Add(ServerProcess.Start("dotnet", [brokerDll, "--node-id", "0", "--data-dir", dataDir,
            "--kafka-listen", $"127.0.0.1:{kafkaPort}", "--http-listen", $"127.0.0.1:{FreePort()}", "--rpc-listen", $"127.0.0.1:{FreePort()}"], kafkaPort, dataDir));
        return target;
    }

    /// <summary>Three nodes, RF=3, acks=all: every acknowledged record is on at least two brokers' logs.</summary>
    public static FjordTarget ThreeNodes(string brokerDll, string dataRoot)
    {
        var nodes = Enumerable.Range(0, 3).Select(id => (Id: id, Kafka: FreePort(), Rpc: FreePort(), Http: FreePort())).ToList();
        var voters = string.Join(',', nodes.Select(n => $"{n.Id}@127.0.0.1:{n.Rpc}"));
        var target = new FjordTarget("Fjord 3 nodes", "RF=3, acks=all, no fsync", 3, "all", string.Join(',', nodes.Select(n => $"127.0.0.1:{n.Kafka}")));
        try
        {
            foreach (var n in nodes)
            {
                var dataDir = DataDir(dataRoot);
                target._servers.Add(ServerProcess.Start("dotnet", [brokerDll, "--node-id", n.Id.ToString(global::System.Globalization.CultureInfo.InvariantCulture),
                    "--data-dir", dataDir, "--kafka-listen", $"127.0.0.1:{n.Kafka}", "--rpc-listen", $"127.0.0.1:{n.Rpc}",
                    "--http-listen", $"127.0.0.1:{n.Http}", "--voters", voters], n.Kafka, dataDir));
            }
        }
        catch
        {
            target.Dispose();
            throw;
        }

        return target;
    }

    public string System { get; }

    public string Durability { get; }

    public double ServerCpuSeconds() => _servers.Sum(s => s.CpuSeconds());

    public static int FreePort()
    {
        using var listener = new global::System.Net.Sockets.TcpListener(global::System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((global::System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string DataDir(string dataRoot) => Path.Combine(dataRoot, "fjord-" + Guid.NewGuid().ToString("N")[..8]);

    public async Task<string> PrepareAsync(int recordSize, int partitions)
    {
        var name = $"bench-{recordSize}-{partitions}-{Guid.NewGuid().ToString("N")[..6]}";
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _bootstrap }).SetLogHandler((_, _) => { }).Build();
        var spec = new TopicSpecification { Name = name, NumPartitions = partitions, ReplicationFactor = _replicationFactor };
        if (_replicationFactor > 1)
        {
            spec.Configs = new Dictionary<string, string> { ["min.insync.replicas"] = "2" };
        }

        // A cluster that just started may not have a controller or three unfenced brokers yet: retry for a minute.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                // A short request timeout, so a cluster still electing its controller is retried within the minute.
                await admin.CreateTopicsAsync([spec], new CreateTopicsOptions { RequestTimeout = TimeSpan.FromSeconds(10) });
                break;
            }
            catch (CreateTopicsException e) when (DateTime.UtcNow < deadline && e.Results.All(r => r.Error.Code != ErrorCode.TopicAlreadyExists))
            {
                await Task.Delay(500);
            }
            catch (KafkaException) when (DateTime.UtcNow < deadline)
            {
                // No controller known yet (the admin client times out waiting for one).
                await Task.Delay(500);
            }
        }

        // Leaders are elected by the time the topic exists, but clients learn them from Metadata: wait until every partition has one.
        while (DateTime.UtcNow < deadline)
        {
            var metadata = admin.GetMetadata(name, TimeSpan.FromSeconds(5));
            if (metadata.Topics.Count == 1 && metadata.Topics[0].Partitions.Count == partitions && metadata.Topics[0].Partitions.All(p => p.Leader >= 0 && p.InSyncReplicas.Length >= _replicationFactor))
            {
                break;
            }

            await Task.Delay(200);
        }

        return name;
    }

    public Task<PerfResult> ProduceAsync(string name, int recordSize, int partitions, TimeSpan duration, long maxRecords) =>
        Task.FromResult(ProducerPerf.Run(new ProducerConfig { BootstrapServers = _bootstrap },
            new ProducerPerfSettings(name, maxRecords, recordSize, -1, _acks, 131072, 5, "none", false, duration.TotalSeconds, 5, Quiet: true)));

    /// <summary>
    /// A producer at a fixed, light <paramref name="rate"/> with linger.ms=0 (librdkafka's default, each record its own
    /// request): send → acknowledgement latency when nothing queues, which is the replication path's own cost.
    /// </summary>
    /// <summary>
    /// Send → acknowledgement at a fixed rate after one second of the same workload, unmeasured (KIP-1052's
    /// --warmup-records): the latency of a broker and client that have already run it, not of their first compilations.
    /// </summary>
    public Task<PerfResult> ProduceAtRateAsync(string name, int recordSize, double rate, TimeSpan duration) =>
        Task.FromResult(ProducerPerf.Run(new ProducerConfig { BootstrapServers = _bootstrap },
            new ProducerPerfSettings(name, (long)(rate * duration.TotalSeconds), recordSize, rate, _acks, 131072, 0, "none", false, 0, 5, Quiet: true, WarmUpRecords: WarmUpRecords(rate))));

    /// <summary>
    /// Idempotent acks=all produce (<paramref name="recordsPerTransaction"/> null: the baseline of the transaction rows,
    /// per-record latency) or transactional produce committing every <paramref name="recordsPerTransaction"/> records
    /// (commit latency).
    /// </summary>
    public Task<PerfResult> ProduceExactlyOnceAsync(string name, int recordSize, int? recordsPerTransaction, TimeSpan duration) =>
        Task.FromResult(recordsPerTransaction is { } perTransaction
            ? TransactionalProducerPerf.Run(_bootstrap, name, recordSize, perTransaction, duration)
            : ProducerPerf.Run(new ProducerConfig { BootstrapServers = _bootstrap },
                new ProducerPerfSettings(name, long.MaxValue, recordSize, -1, "all", 131072, 5, "none", true, duration.TotalSeconds, 5, Quiet: true)));

    /// <summary>
    /// Reads the topic back with the lean consumer (raw Fetch, records counted from batch headers): the broker's consume
    /// speed, beside Redis's XRANGE loop, which is just as lean.
    /// </summary>
    public Task<PerfResult> ConsumeAsync(string name, int recordSize, int partitions, long records, TimeSpan maxDuration) =>
        LeanConsumer.RunAsync(_bootstrap, new LeanConsumerSettings(name, records, recordSize, maxDuration));

    /// <summary>
    /// Reads the topic back with one Confluent.Kafka consumer assigned every partition: what a .NET application sees,
    /// bounded near 200–300 k records/s by the client's per-message cost rather than by the broker.
    /// </summary>
    public Task<PerfResult> ConsumeWithDotNetClientAsync(string name, int partitions, long records) =>
        Task.FromResult(ConsumerPerf.Run(new ConsumerConfig { BootstrapServers = _bootstrap }, Enumerable.Range(0, partitions).ToArray(),
            new ConsumerPerfSettings(name, records, 5, Quiet: true)));

    public Task<PerfResult> EndToEndAsync(string name, int recordSize, int partitions, double rate, TimeSpan duration) =>
        Task.FromResult(EndToEndPerf.Run(new ProducerConfig { BootstrapServers = _bootstrap }, new ConsumerConfig { BootstrapServers = _bootstrap },
            Enumerable.Range(0, partitions).ToArray(), new EndToEndSettings(name, (long)(rate * duration.TotalSeconds), recordSize, rate, _acks, 0, 5, Quiet: true)));

    /// <summary>
    /// Produce → consume on one partition after one second of the same workload, unmeasured, as
    /// <see cref="ProduceAtRateAsync"/>. Only the light-load rows, which compare Fjord with itself, warm up: the rows
    /// beside Redis and NATS measure every system from its first record.
    /// </summary>
    public Task<PerfResult> WarmEndToEndAsync(string name, int recordSize, double rate, TimeSpan duration) =>
        Task.FromResult(EndToEndPerf.Run(new ProducerConfig { BootstrapServers = _bootstrap }, new ConsumerConfig { BootstrapServers = _bootstrap },
            [0], new EndToEndSettings(name, (long)(rate * duration.TotalSeconds), recordSize, rate, _acks, 0, 5, Quiet: true, WarmUpRecords: WarmUpRecords(rate))));

    /// <summary>One second of the workload, at least one record.</summary>
    private static long WarmUpRecords(double rate) => Math.Max(1, (long)rate);

    public void Dispose()
    {
        foreach (var server in _servers)
        {
            server.Dispose();
        }
    }
}
