using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Cli.Perf;

namespace Fjord.Cli.Bench;

/// <summary>Fjord single node (a Release fjord-broker process), acks=1, driven by the `fjord perf` code.</summary>
public sealed class FjordTarget : IBenchTarget
{
    private readonly string _bootstrap;

    public FjordTarget(string brokerDll, string dataRoot)
    {
        var kafkaPort = FreePort();
        _bootstrap = $"127.0.0.1:{kafkaPort}";
        var dataDir = Path.Combine(dataRoot, "fjord-" + Guid.NewGuid().ToString("N")[..8]);
        Server = ServerProcess.Start("dotnet", [brokerDll, "--node-id", "0", "--data-dir", dataDir,
            "--kafka-listen", _bootstrap, "--http-listen", $"127.0.0.1:{FreePort()}", "--rpc-listen", $"127.0.0.1:{FreePort()}"], kafkaPort, dataDir);
    }

    public string System => "Fjord";

    public string Durability => "acks=1, no fsync";

    public ServerProcess Server { get; }

    public static int FreePort()
    {
        using var listener = new global::System.Net.Sockets.TcpListener(global::System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((global::System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task<string> PrepareAsync(int recordSize, int partitions)
    {
        var name = $"bench-{recordSize}-{partitions}-{Guid.NewGuid().ToString("N")[..6]}";
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _bootstrap }).SetLogHandler((_, _) => { }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = name, NumPartitions = partitions, ReplicationFactor = 1 }]);
        return name;
    }

    public Task<PerfResult> ProduceAsync(string name, int recordSize, int partitions, TimeSpan duration, long maxRecords) =>
        Task.FromResult(ProducerPerf.Run(new ProducerConfig { BootstrapServers = _bootstrap },
            new ProducerPerfSettings(name, maxRecords, recordSize, -1, "1", 131072, 5, "none", false, duration.TotalSeconds, 5, Quiet: true)));

    public Task<PerfResult> ConsumeAsync(string name, int recordSize, int partitions, long records, TimeSpan maxDuration) =>
        Task.FromResult(ConsumerPerf.Run(new ConsumerConfig { BootstrapServers = _bootstrap }, Enumerable.Range(0, partitions).ToArray(),
            new ConsumerPerfSettings(name, records, 5, Quiet: true)));

    public Task<PerfResult> EndToEndAsync(string name, int recordSize, int partitions, double rate, TimeSpan duration) =>
        Task.FromResult(EndToEndPerf.Run(new ProducerConfig { BootstrapServers = _bootstrap }, new ConsumerConfig { BootstrapServers = _bootstrap },
            Enumerable.Range(0, partitions).ToArray(), new EndToEndSettings(name, (long)(rate * duration.TotalSeconds), recordSize, rate, "1", 0, 5, Quiet: true)));

    public void Dispose() => Server.Dispose();
}
