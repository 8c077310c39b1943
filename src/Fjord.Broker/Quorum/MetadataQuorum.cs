using Fjord.Broker.Configuration;
using Fjord.Metadata;
using Fjord.Raft;
using Microsoft.Extensions.Logging;
using Fjord.Broker.Controller;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Quorum;

/// <summary>
/// This node's member of the metadata quorum: <see cref="FileRaftStorage"/> under
/// <c>&lt;data.dir&gt;/__cluster_metadata</c>, a <see cref="QuorumRaftTransport"/> to the other members, the
/// <see cref="MetadataStateMachine"/> and the <see cref="RaftNodeDriver"/> running them. A voter's brand-new
/// storage is bootstrapped with every voter. A node whose id is not among the voters is a learner: it starts
/// from empty storage, never campaigns (Raft only lets voters), and follows the log once
/// <see cref="LearnerJoinService"/> had the leader add it. From then on the log decides: a learner can be promoted to
/// voter and a voter demoted to learner (KIP-853, <see cref="QuorumVoterChanges"/>), and a restart keeps that. The given publishers (the broker's log publisher)
/// are attached before anything is applied. Created once by the composition root; its members are
/// thread-safe (the driver's public methods, the state machine's <see cref="MetadataStateMachine.Image"/>).
/// </summary>
public sealed class MetadataQuorum : IAsyncDisposable
{
    private readonly FileRaftStorage _storage;
    private readonly QuorumRaftTransport _transport;

    public MetadataQuorum(BrokerConfig config, ClusterVoters voters, TimeProvider time, ILoggerFactory loggers,
        IEnumerable<IMetadataPublisher>? publishers = null, IRaftProposalObserver? proposalObserver = null)
    {
        Voters = voters;
        NodeId = config.NodeId;
        IsBootstrapVoter = voters.Voters.ContainsKey(config.NodeId);
        Addresses = new QuorumAddresses(voters);
        var directory = Path.Combine(config.DataDir, "__cluster_metadata");
        Directory.CreateDirectory(directory);
        _storage = new FileRaftStorage(directory);
        if (IsBootstrapVoter && _storage.LastIndex == 0 && _storage.HardState.IsEmpty)
            RaftBootstrap.Bootstrap(_storage, new ConfState(voters.Voters.Keys.Select(ClusterVoters.RaftId), []));
        _transport = new QuorumRaftTransport(ClusterVoters.RaftId(config.NodeId), Addresses, loggers);
        StateMachine = new MetadataStateMachine();
        // Added before the driver exists, so publishers see every entry the driver replays at start.
        foreach (var publisher in publishers ?? []) StateMachine.AddPublisher(publisher);
        Driver = new RaftNodeDriver(
            new RaftConfig { Id = ClusterVoters.RaftId(config.NodeId), Random = new Random(), ElectionTick = 10, HeartbeatTick = 1 },
            _storage, _transport, new AddressRecordingStateMachine(StateMachine, Addresses), time,
            new RaftDriverOptions { TickInterval = TimeSpan.FromMilliseconds(100), ProposalObserver = proposalObserver });
        // A one-voter quorum has nobody to wait for: campaigning at once makes `make run` ready without an election timeout.
        if (voters.IsSingleVoter && IsBootstrapVoter) Driver.Post(node => node.Campaign());
    }

    /// <summary>This node's id.</summary>
    public int NodeId { get; }

    /// <summary>The configured (bootstrap) voters; the live voters are <see cref="RaftNodeDriver.Status"/>'s membership.</summary>
    public ClusterVoters Voters { get; }

    /// <summary>
    /// True when <c>--voters</c> names this node: its brand-new log starts with the bootstrap membership. Any other node
    /// starts empty and joins as a learner (<see cref="LearnerJoinService"/>); either may be promoted or demoted later.
    /// </summary>
    public bool IsBootstrapVoter { get; }

    /// <summary>True while the committed membership has this node as a voter (it may campaign and count for commit).</summary>
    public bool IsVoter => Driver.Status.Membership.IsVoter(ClusterVoters.RaftId(NodeId));

    /// <summary>Rpc addresses of the voters and of the learners the log has named.</summary>
    public QuorumAddresses Addresses { get; }

    /// <summary>True once the committed membership includes this node (always for a voter).</summary>
    public bool IsMember => Driver.Status.Membership.IsMember(ClusterVoters.RaftId(NodeId));

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
