using System.Globalization;
using Fjord.Broker.Configuration;

namespace Fjord.Broker.Cluster;

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
    /// True when the node runs in cluster mode: more than one voter, this node among them or a learner.
    /// No voters, or only this node, keeps the single-node broker exactly as before. A single voter that is
    /// another node is refused: that voter runs as a single-node broker without a quorum to follow.
    /// </summary>
    public static bool IsClusterMode(BrokerConfig config, out ClusterVoters? voters)
    {
        voters = Parse(config);
        if (voters is { Voters.Count: 1 } && !voters.Voters.ContainsKey(config.NodeId))
            throw new ConfigException($"invalid broker config: node {config.NodeId} is not the single voter; a learner needs a quorum of more than one voter");
        return voters is { Voters.Count: > 1 };
    }
}
