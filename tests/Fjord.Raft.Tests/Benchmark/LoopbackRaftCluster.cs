using System.Net;
using Fjord.Rpc.Raft;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fjord.Raft.Tests.Benchmark;

/// <summary>
/// N raft nodes in this process, each with its own Kestrel gRPC server on an ephemeral loopback port,
/// file storage in a temp directory and a <see cref="RaftNodeDriver"/>. For the transport test and the
/// benchmark. Not thread-safe to build; the drivers themselves are thread-safe.
/// </summary>
internal sealed class LoopbackRaftCluster : IAsyncDisposable
{
    private sealed class InboxForwarder : IRaftInbox
    {
        public IRaftInbox? Target { get; set; }
        public void Deliver(Message message) => Target?.Deliver(message);
    }

    /// <summary>Counts applied entries; snapshots are the count.</summary>
    public sealed class CountingStateMachine : IRaftStateMachine
    {
        private long _applied;
        public long Applied => Interlocked.Read(ref _applied);
        public void Apply(in Entry entry) => Interlocked.Increment(ref _applied);
        public int Restores { get; private set; }
        public void Restore(Snapshot snapshot)
        {
            Restores++;
            Interlocked.Exchange(ref _applied, snapshot.Data.Length >= 8 ? BitConverter.ToInt64(snapshot.Data.Span) : 0);
        }
        public byte[] TakeSnapshot() => BitConverter.GetBytes(Applied);
    }

    private readonly List<WebApplication> _servers = [];
    private readonly List<GrpcRaftTransport> _transports = [];
    private readonly List<FileRaftStorage> _storages = [];
    private readonly string _root = Path.Combine(Path.GetTempPath(), "fjord-raft-cluster-" + Guid.NewGuid().ToString("N"));

    public List<RaftNodeDriver> Drivers { get; } = [];
    public List<CountingStateMachine> StateMachines { get; } = [];

    private readonly List<InboxForwarder> _forwarders = [];
    private readonly List<int> _ports = [];

    public static async Task<LoopbackRaftCluster> StartAsync(int nodes, bool fsync, TimeSpan tick, RaftDriverOptions? options = null)
    {
        var cluster = new LoopbackRaftCluster();
        var peers = new Dictionary<ulong, Uri>();
        for (var i = 1; i <= nodes; i++)
        {
            var forwarder = new InboxForwarder();
            var app = await StartServerAsync(forwarder, 0);
            var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                .Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var uri = new Uri(address);
            peers[(ulong)i] = uri;
            cluster._servers.Add(app);
            cluster._forwarders.Add(forwarder);
            cluster._ports.Add(uri.Port);
        }
        var voters = ConfState.OfVoters([.. peers.Keys]);
        for (var i = 1; i <= nodes; i++)
        {
            var id = (ulong)i;
            var storage = new FileRaftStorage(Path.Combine(cluster._root, $"node-{i}"));
            RaftBootstrap.Bootstrap(storage, voters);
            var transport = new GrpcRaftTransport(id, peers);
            var sm = new CountingStateMachine();
            var driverOptions = new RaftDriverOptions
            {
                TickInterval = tick,
                Fsync = fsync,
                SnapshotEveryEntries = options?.SnapshotEveryEntries ?? 10_000,
                EntriesKeptAfterSnapshot = options?.EntriesKeptAfterSnapshot ?? 1_000,
            };
            var driver = new RaftNodeDriver(
                new RaftConfig { Id = id, Random = new Random(i), ElectionTick = 10, HeartbeatTick = 1, SnapshotChunkBytes = 4, MaxEntriesPerMessage = 64 },
                storage, transport, sm, TimeProvider.System, driverOptions);
            cluster._forwarders[i - 1].Target = driver;
            cluster._storages.Add(storage);
            cluster._transports.Add(transport);
            cluster.StateMachines.Add(sm);
            cluster.Drivers.Add(driver);
        }
        return cluster;
    }

    private static async Task<WebApplication> StartServerAsync(InboxForwarder forwarder, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 64 << 20);
        builder.Services.AddSingleton<IRaftInbox>(forwarder);
        var app = builder.Build();
        app.MapGrpcService<RaftTransportService>();
        await app.StartAsync();
        return app;
    }

    /// <summary>Stops node <paramref name="index"/>'s gRPC server: it hears nothing until <see cref="StartServerAsync(int)"/>.</summary>
    public async Task StopServerAsync(int index)
    {
        await _servers[index].StopAsync();
        await _servers[index].DisposeAsync();
    }

    /// <summary>Starts node <paramref name="index"/>'s gRPC server again on its old port.</summary>
    public async Task StartServerAsync(int index) => _servers[index] = await StartServerAsync(_forwarders[index], _ports[index]);

    /// <summary>Makes node 1 campaign and waits until some node leads; returns its driver.</summary>
    public async Task<RaftNodeDriver> ElectAsync(TimeSpan timeout)
    {
        Drivers[0].Post(n => n.Campaign());
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var leader = Drivers.FirstOrDefault(d => d.Status.Role == StateRole.Leader);
            if (leader is not null) return leader;
            await Task.Delay(10);
        }
        throw new TimeoutException($"no leader within {timeout}: {string.Join("; ", Drivers.Select(d => d.Status))}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var d in Drivers) await d.DisposeAsync();
        foreach (var t in _transports) await t.DisposeAsync();
        foreach (var s in _servers)
        {
            try { await s.StopAsync(); await s.DisposeAsync(); }
            catch (ObjectDisposedException) { } // stopped by a test
        }
        foreach (var s in _storages) s.Dispose();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
