using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Fjord.Chaos.Network;

namespace Fjord.Chaos.Cluster;

/// <summary>
/// The N broker processes under test, all voters (cluster mode), every one given the same <c>--voters</c>
/// text because the broker derives the cluster id from it. With a <see cref="NetworkLab"/> each node runs in its
/// namespace on its own address with the standard ports; without one, on loopback with free ports. Not
/// thread-safe for launching and stopping (the runner does that); the node list and addresses are immutable.
/// </summary>
public sealed class ChaosCluster : IDisposable
{
    private const int KafkaPort = 9092;
    private const int RpcPort = 9093;
    private const int HttpPort = 9644;
    private readonly string _brokerDll;
    private readonly string[] _settings;

    public ChaosCluster(int nodes, string workDir, string brokerDll, NetworkLab? lab, string[] settings)
    {
        _brokerDll = brokerDll;
        _settings = settings;
        var list = new List<BrokerNode>();
        for (var id = 0; id < nodes; id++)
        {
            var dataDir = Path.Combine(workDir, $"node-{id}");
            var logFile = Path.Combine(workDir, $"node-{id}.log");
            list.Add(lab is null
                ? new BrokerNode(id, "127.0.0.1", null, dataDir, logFile, FreePort(), FreePort(), FreePort())
                : new BrokerNode(id, lab.AddressOf(id), lab.NamespaceOf(id), dataDir, logFile, KafkaPort, RpcPort, HttpPort));
        }
        Nodes = list;
        Voters = string.Join(',', list.Select(n => string.Create(CultureInfo.InvariantCulture, $"{n.Id}@{n.Host}:{n.RpcPort}")));
    }

    public IReadOnlyList<BrokerNode> Nodes { get; }

    public string Voters { get; }

    public string BootstrapServers => string.Join(',', Nodes.Select(n => n.BootstrapServer));

    public async Task StartAsync(CancellationToken cancel)
    {
        foreach (var node in Nodes) node.Launch(_brokerDll, Voters, _settings);
        foreach (var node in Nodes) await node.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), cancel).ConfigureAwait(false);
    }

    /// <summary>Starts a killed node again on its data directory and addresses and waits until it is ready.</summary>
    public async Task RestartAsync(BrokerNode node, CancellationToken cancel)
    {
        node.Kill();
        node.Launch(_brokerDll, Voters, _settings);
        await node.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), cancel).ConfigureAwait(false);
    }

    /// <summary>SIGTERM to every node in parallel; returns the ids of nodes that did not exit cleanly.</summary>
    public int[] StopAll(TimeSpan timeout) =>
        [.. Nodes.AsParallel().Where(n => !n.Stop(timeout)).Select(n => n.Id).Order()];

    public void Dispose()
    {
        foreach (var node in Nodes) node.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
