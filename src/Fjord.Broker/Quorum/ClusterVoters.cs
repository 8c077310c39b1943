using System.Globalization;
using Fjord.Broker.Configuration;
using Fjord.Broker.Controller;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Quorum;

/// <summary>
/// The bootstrap voters of the controller quorum named by <c>--voters ID@HOST:RPCPORT,...</c>: the membership a
/// brand-new log starts with and where a new node looks for the quorum. Once the log exists its membership entries
/// decide who votes (KIP-853: voters are added and removed at run time), so the list stays as the cluster was
/// created. A node whose <c>--node-id</c> is not listed joins as a Raft learner. Raft ids are node id + 1 because
/// Raft reserves 0 for "none" while Kafka node ids start at 0. Immutable; safe on any thread.
/// </summary>
public sealed class ClusterVoters
{
    private ClusterVoters(IReadOnlyDictionary<int, HostPort> voters, bool configured)
    {
        Voters = voters;
        Configured = configured;
    }

    /// <summary>Node id → rpc endpoint of every bootstrap voter.</summary>
    public IReadOnlyDictionary<int, HostPort> Voters { get; }

    /// <summary>True when <c>--voters</c> named the quorum (cluster mode, even with one voter); false for <c>make run</c>.</summary>
    public bool Configured { get; }

    /// <summary>Raft id of a Kafka node id.</summary>
    public static ulong RaftId(int nodeId) => (ulong)nodeId + 1;

    /// <summary>Kafka node id of a Raft id (-1 for "none").</summary>
    public static int NodeId(ulong raftId) => raftId == 0 ? -1 : (int)(raftId - 1);

    /// <summary>The voters in <paramref name="config"/>, or null when empty.</summary>
    public static ClusterVoters? Parse(BrokerConfig config)
    {
        var text = config.GetString("voters");
        if (string.IsNullOrWhiteSpace(text)) return null;
        var voters = new Dictionary<int, HostPort>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = part.IndexOf('@');
            if (at <= 0 || !int.TryParse(part.AsSpan(0, at), NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) || id < 0
                || !HostPort.TryParse(part[(at + 1)..], out var endpoint))
                throw new ConfigException($"invalid broker config: voters entry '{part}' is not ID@HOST:PORT");
            if (!voters.TryAdd(id, endpoint)) throw new ConfigException($"invalid broker config: voter {id} listed twice");
        }
        return new ClusterVoters(voters, configured: true);
    }

    /// <summary>
    /// The quorum this node runs in. No voters, or only this node, is a one-voter quorum of this node on its
    /// <c>rpc.listen</c> endpoint: the same Raft log, controller and metadata image as a cluster, with this node
    /// as the only broker. A single configured voter that is another node makes this node a learner of that quorum
    /// (the start of a cluster that grows its voters, KIP-853).
    /// </summary>
    public static ClusterVoters Of(BrokerConfig config)
    {
        var voters = Parse(config);
        if (voters is not null) return voters;
        var rpc = config.GetString("rpc.listen");
        return HostPort.TryParse(rpc, out var endpoint)
            ? new ClusterVoters(new Dictionary<int, HostPort> { [config.NodeId] = endpoint }, configured: false)
            : throw new ConfigException($"rpc.listen: expected host:port, got '{rpc}'");
    }

    /// <summary>True for a quorum that started with one voter (<c>make run</c>, or a cluster that grows its voters later).</summary>
    public bool IsSingleVoter => Voters.Count == 1;
}
