using Fjord.Broker.Configuration;
using Fjord.Metadata;
using Fjord.Raft;
using Fjord.Rpc.Raft;
using Microsoft.Extensions.Logging;

namespace Fjord.Broker.Cluster;

/// <summary>
/// This node's member of the metadata quorum: <see cref="FileRaftStorage"/> under
/// <c>&lt;data.dir&gt;/__cluster_metadata</c>, a <see cref="GrpcRaftTransport"/> to the other voters, the
/// <see cref="MetadataStateMachine"/> and the <see cref="RaftNodeDriver"/> running them. Brand-new storage is
/// bootstrapped with every voter; the given publishers (the broker's log publisher) are attached before
/// anything is applied. Created once by the composition root; its members are thread-safe
/// (the driver's public methods, the state machine's <see cref="MetadataStateMachine.Image"/>).
/// </summary>
public sealed class MetadataQuorum : IAsyncDisposable
{
    private readonly FileRaftStorage _storage;
    private readonly GrpcRaftTransport _transport;

    public MetadataQuorum(BrokerConfig config, ClusterVoters voters, TimeProvider time, ILoggerFactory loggers, IEnumerable<IMetadataPublisher>? publishers = null)
    {
        Voters = voters;
        NodeId = config.NodeId;
        if (!voters.Voters.ContainsKey(config.NodeId))
            throw new ConfigException($"node {config.NodeId} is not among the voters; learners are not supported yet");
        var directory = Path.Combine(config.DataDir, "__cluster_metadata");
        Directory.CreateDirectory(directory);
        _storage = new FileRaftStorage(directory);
        if (_storage.LastIndex == 0 && _storage.HardState.IsEmpty)
            RaftBootstrap.Bootstrap(_storage, new ConfState(voters.Voters.Keys.Select(ClusterVoters.RaftId), []));
        var peers = voters.Voters.ToDictionary(v => ClusterVoters.RaftId(v.Key), v => new Uri($"http://{v.Value}"));
        _transport = new GrpcRaftTransport(ClusterVoters.RaftId(config.NodeId), peers, logger: loggers.CreateLogger<GrpcRaftTransport>());
        StateMachine = new MetadataStateMachine();
        // Added before the driver exists, so publishers see every entry the driver replays at start.
        foreach (var publisher in publishers ?? []) StateMachine.AddPublisher(publisher);
        Driver = new RaftNodeDriver(
            new RaftConfig { Id = ClusterVoters.RaftId(config.NodeId), Random = new Random(), ElectionTick = 10, HeartbeatTick = 1 },
            _storage, _transport, StateMachine, time, new RaftDriverOptions { TickInterval = TimeSpan.FromMilliseconds(100) });
    }

    /// <summary>This node's id.</summary>
    public int NodeId { get; }

    /// <summary>The configured voters.</summary>
    public ClusterVoters Voters { get; }

    /// <summary>The committed metadata.</summary>
    public MetadataStateMachine StateMachine { get; }

    /// <summary>The Raft loop.</summary>
    public RaftNodeDriver Driver { get; }

    /// <summary>Node id of the Raft leader (the active controller's node), -1 when unknown.</summary>
    public int LeaderNodeId => ClusterVoters.NodeId(Driver.Status.LeaderId);

    public async ValueTask DisposeAsync()
    {
        await Driver.DisposeAsync().ConfigureAwait(false);
        await _transport.DisposeAsync().ConfigureAwait(false);
        _storage.Dispose();
    }
}
