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
/// The controller quorum named by <c>--voters ID@HOST:RPCPORT,...</c>. A node whose <c>--node-id</c> is not
/// listed joins as a Raft learner (it uses the list to find the quorum). Raft ids are node id + 1 because
/// Raft reserves 0 for "none" while Kafka node ids start at 0. Immutable; safe on any thread.
/// </summary>
public sealed class ClusterVoters
{
    private ClusterVoters(IReadOnlyDictionary<int, HostPort> voters) => Voters = voters;

    /// <summary>Node id → rpc endpoint of every voter.</summary>
    public IReadOnlyDictionary<int, HostPort> Voters { get; }

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
        return new ClusterVoters(voters);
    }

    /// <summary>
    /// The quorum this node runs in. No voters, or only this node, is a one-voter quorum of this node on its
    /// <c>rpc.listen</c> endpoint: the same Raft log, controller and metadata image as a cluster, with this node
    /// as the only broker. A single voter that is another node is refused: a learner needs a quorum of more
    /// than one voter (a one-voter quorum keeps its cluster id in its own meta.properties, which a learner cannot know).
    /// </summary>
    public static ClusterVoters Of(BrokerConfig config)
    {
        var voters = Parse(config);
        if (voters is { Voters.Count: 1 } && !voters.Voters.ContainsKey(config.NodeId))
            throw new ConfigException($"invalid broker config: node {config.NodeId} is not the single voter; a learner needs a quorum of more than one voter");
        if (voters is { Voters.Count: > 1 }) return voters;
        var rpc = config.GetString("rpc.listen");
        return HostPort.TryParse(rpc, out var endpoint)
            ? new ClusterVoters(new Dictionary<int, HostPort> { [config.NodeId] = endpoint })
            : throw new ConfigException($"rpc.listen: expected host:port, got '{rpc}'");
    }

    /// <summary>True for a quorum of this node alone (<c>make run</c>): it is the only broker there can be.</summary>
    public bool IsSingleVoter => Voters.Count == 1;
}
