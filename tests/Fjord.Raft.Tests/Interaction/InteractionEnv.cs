using System.Globalization;
using System.Text;

namespace Fjord.Raft.Tests.Interaction;

/// <summary>
/// The world of one data-driven script (etcd's rafttest.InteractionEnv): nodes with in-memory storage,
/// a message queue, cut links, and commands that print what happened. Not thread-safe; one per script.
/// </summary>
internal sealed class InteractionEnv
{
    private sealed class Node(ulong id, MemoryRaftStorage storage, RaftConfig config)
    {
        public ulong Id { get; } = id;
        public MemoryRaftStorage Storage { get; } = storage;
        public RaftConfig Config { get; } = config;
        public RaftNode Raft { get; set; } = new(config, storage);
        public ConfState AppliedConf { get; set; } = ConfState.Empty;
        public ulong Applied { get; set; }
    }

    private readonly SortedDictionary<ulong, Node> _nodes = [];
    private readonly List<Message> _queue = [];
    private readonly HashSet<ulong> _isolated = [];

    public string Execute(string command, Dictionary<string, string> args, List<string> positional)
    {
        var sb = new StringBuilder();
        switch (command)
        {
            case "add-nodes": AddNodes(args, positional, sb); break;
            case "campaign": N(positional[0]).Raft.Campaign(); sb.AppendLine("ok"); break;
            case "propose":
                sb.AppendLine(N(positional[0]).Raft.Propose(Encoding.ASCII.GetBytes(positional[1])) ? "ok" : "dropped");
                break;
            case "propose-conf-change":
                var cc = new ConfChange(Enum.Parse<ConfChangeType>(positional[1], ignoreCase: true), ulong.Parse(positional[2], CultureInfo.InvariantCulture));
                sb.AppendLine(N(positional[0]).Raft.ProposeConfChange(cc) ? "ok" : "refused");
                break;
            case "transfer-leadership":
                N(args["from"]).Raft.TransferLeadership(ulong.Parse(args["to"], CultureInfo.InvariantCulture));
                sb.AppendLine("ok");
                break;
            case "read-index": N(positional[0]).Raft.ReadIndex(Encoding.ASCII.GetBytes(positional[1])); sb.AppendLine("ok"); break;
            case "tick-heartbeat":
                foreach (var id in Ids(positional)) Tick(N(id), N(id).Config.HeartbeatTick);
                sb.AppendLine("ok");
                break;
            case "tick-election":
                // 2*ElectionTick-1 ticks: past any randomized timeout in [e, 2e), but never two in a row.
                foreach (var id in Ids(positional)) Tick(N(id), 2 * N(id).Config.ElectionTick - 1);
                sb.AppendLine("ok");
                break;
            case "tick": Tick(N(positional[0]), int.Parse(positional[1], CultureInfo.InvariantCulture)); sb.AppendLine("ok"); break;
            case "stabilize" when args.ContainsKey("quiet"):
                // Long scripts skip traces of steps that other scripts already show; raft-state then checks the outcome.
                Stabilize(Ids(positional), new StringBuilder());
                sb.AppendLine("ok");
                break;
            case "stabilize": Stabilize(Ids(positional), sb); break;
            case "process-ready": foreach (var id in Ids(positional)) ProcessReady(N(id), sb); break;
            case "deliver-msgs": foreach (var id in Ids(positional)) DeliverTo(N(id), sb); break;
            case "isolate":
                // Like a crash of the network: whatever is in flight to or from these nodes is lost.
                foreach (var id in Ids(positional))
                {
                    _isolated.Add(id);
                    _queue.RemoveAll(m => m.From == id || m.To == id);
                }
                sb.AppendLine("ok");
                break;
            case "restart":
                // Loses everything volatile; keeps what was persisted.
                foreach (var id in Ids(positional))
                {
                    var r = N(id);
                    r.Raft = new RaftNode(new RaftConfig
                    {
                        Id = r.Config.Id,
                        Random = r.Config.Random,
                        ElectionTick = r.Config.ElectionTick,
                        HeartbeatTick = r.Config.HeartbeatTick,
                        PreVote = r.Config.PreVote,
                        CheckQuorum = r.Config.CheckQuorum,
                        MaxEntriesPerMessage = r.Config.MaxEntriesPerMessage,
                        MaxInflightMessages = r.Config.MaxInflightMessages,
                        SnapshotChunkBytes = r.Config.SnapshotChunkBytes,
                        Applied = r.Applied,
                    }, r.Storage);
                    sb.AppendLine(r.Raft.ToString());
                }
                break;
            case "heal":
                if (positional.Count == 0) _isolated.Clear();
                else foreach (var id in Ids(positional)) _isolated.Remove(id);
                sb.AppendLine("ok");
                break;
            case "raft-state":
                foreach (var n in _nodes.Values)
                    sb.AppendLine($"{n.Id}: {n.Raft.Role} term={n.Raft.Term} lead={n.Raft.LeaderId} commit={n.Raft.CommitIndex} last={n.Raft.LastIndex} {n.Raft.ConfState}{(_isolated.Contains(n.Id) ? " (isolated)" : "")}");
                break;
            case "raft-log": RaftLog(N(positional[0]), sb); break;
            case "compact":
                var node = N(positional[0]);
                var at = ulong.Parse(positional[1], CultureInfo.InvariantCulture);
                node.Storage.CreateSnapshot(at, node.AppliedConf, Encoding.ASCII.GetBytes($"state-machine-image-at-{at}"));
                node.Storage.Compact(at);
                RaftLog(node, sb);
                break;
            case "status":
                foreach (var (id, pr) in N(positional[0]).Raft.Progress.OrderBy(p => p.Key)) sb.AppendLine($"{id}: {pr}");
                break;
            default: throw new InvalidOperationException($"unknown command {command}");
        }
        return sb.ToString();
    }

    private Node N(string id) => N(ulong.Parse(id, CultureInfo.InvariantCulture));
    private Node N(ulong id) => _nodes[id];

    private IEnumerable<ulong> Ids(List<string> positional) =>
        positional.Count == 0 ? _nodes.Keys.ToList() : positional.Select(p => ulong.Parse(p, CultureInfo.InvariantCulture)).ToList();

    private static ConfState ParseConf(Dictionary<string, string> args)
    {
        static IEnumerable<ulong> List(Dictionary<string, string> a, string k) =>
            a.TryGetValue(k, out var v) ? v.Trim('(', ')').Split(',', StringSplitOptions.RemoveEmptyEntries).Select(x => ulong.Parse(x, CultureInfo.InvariantCulture)) : [];
        return new ConfState(List(args, "voters"), List(args, "learners"));
    }

    private void AddNodes(Dictionary<string, string> args, List<string> positional, StringBuilder sb)
    {
        var count = int.Parse(positional[0], CultureInfo.InvariantCulture);
        var conf = ParseConf(args);
        bool Flag(string k, bool d) => args.TryGetValue(k, out var v) ? bool.Parse(v) : d;
        int Int(string k, int d) => args.TryGetValue(k, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : d;
        for (var i = 0; i < count; i++)
        {
            var id = (ulong)_nodes.Count + 1;
            var storage = new MemoryRaftStorage();
            if (conf.IsMember(id)) RaftBootstrap.Bootstrap(storage, conf);
            var config = new RaftConfig
            {
                Id = id,
                Random = new Random((int)id),
                ElectionTick = 10,
                HeartbeatTick = 1,
                PreVote = Flag("prevote", true),
                CheckQuorum = Flag("checkquorum", true),
                MaxEntriesPerMessage = Int("max-entries", 1024),
                MaxInflightMessages = Int("inflight", 256),
                SnapshotChunkBytes = Int("chunk", 1 << 20),
            };
            _nodes[id] = new Node(id, storage, config);
        }
        // Apply the bootstrap entries so every node starts with a known membership and applied index.
        foreach (var n in _nodes.Values) while (n.Raft.HasReady) ProcessReady(n, null);
        sb.AppendLine("ok");
    }

    private static void Tick(Node n, int ticks)
    {
        for (var i = 0; i < ticks; i++) n.Raft.Tick();
    }

    private void Stabilize(IEnumerable<ulong> ids, StringBuilder sb)
    {
        var set = ids.ToList();
        while (true)
        {
            var progress = false;
            foreach (var id in set)
            {
                var n = N(id);
                if (!n.Raft.HasReady) continue;
                ProcessReady(n, sb);
                progress = true;
            }
            foreach (var id in set)
            {
                if (!_queue.Any(m => m.To == id)) continue;
                DeliverTo(N(id), sb);
                progress = true;
            }
            if (!progress) return;
        }
    }

    private void ProcessReady(Node n, StringBuilder? sb)
    {
        if (!n.Raft.HasReady) return;
        var rd = n.Raft.GetReady();
        sb?.AppendLine($"> {n.Id} handling Ready");
        if (rd.SoftState is { } ss) sb?.AppendLine($"  Lead:{ss.Leader} State:{ss.Role}");
        if (rd.HardState is { } hs) sb?.AppendLine($"  HardState {hs}");
        if (rd.Entries.Count > 0)
        {
            sb?.AppendLine("  Entries:");
            foreach (var e in rd.Entries) sb?.AppendLine($"  {e}");
        }
        if (rd.Snapshot is { } snap) sb?.AppendLine($"  Snapshot Index:{snap.Metadata.Index} Term:{snap.Metadata.Term} {snap.Metadata.ConfState}");
        n.Storage.Save(rd.HardState, rd.Snapshot, rd.Entries, rd.MustSync);
        if (rd.Snapshot is { } s)
        {
            n.AppliedConf = s.Metadata.ConfState;
            n.Applied = s.Metadata.Index;
        }
        if (rd.CommittedEntries.Count > 0)
        {
            sb?.AppendLine("  CommittedEntries:");
            foreach (var e in rd.CommittedEntries)
            {
                sb?.AppendLine($"  {e}");
                if (e.Type == EntryType.ConfChange) n.AppliedConf = n.AppliedConf.Apply(ConfChange.Decode(e.Data.Span));
                n.Applied = e.Index;
            }
        }
        if (rd.Messages.Count > 0)
        {
            sb?.AppendLine("  Messages:");
            foreach (var m in rd.Messages) sb?.AppendLine($"  {m}");
        }
        foreach (var r in rd.ReadStates) sb?.AppendLine($"  ReadState Index:{r.Index} Context:{Encoding.ASCII.GetString(r.Context)}");
        // An isolated node's messages never leave it.
        if (!_isolated.Contains(n.Id)) _queue.AddRange(rd.Messages);
        n.Raft.Advance();
    }

    private void DeliverTo(Node n, StringBuilder sb)
    {
        var batch = _queue.Where(m => m.To == n.Id).ToList();
        if (batch.Count == 0) return;
        _queue.RemoveAll(m => m.To == n.Id);
        sb.AppendLine($"> {n.Id} receiving messages");
        foreach (var m in batch)
        {
            if (_isolated.Contains(m.From) || _isolated.Contains(m.To))
            {
                sb.AppendLine($"  {m} DROPPED");
                continue;
            }
            sb.AppendLine($"  {m}");
            var before = n.Raft.SoftState;
            var term = n.Raft.Term;
            n.Raft.Step(m);
            var after = n.Raft.SoftState;
            if (after != before || n.Raft.Term != term)
                sb.AppendLine($"  INFO {n.Id} became {after.Role} at term {n.Raft.Term} (lead {after.Leader})");
        }
    }

    private static void RaftLog(Node n, StringBuilder sb)
    {
        var snap = n.Storage.SnapshotMetadata;
        if (snap.Index > 0) sb.AppendLine($"snapshot {snap.Term}/{snap.Index} {snap.ConfState}");
        var list = new List<Entry>();
        if (n.Storage.LastIndex >= n.Storage.FirstIndex)
            n.Storage.TryGetEntries(n.Storage.FirstIndex, n.Storage.LastIndex + 1, int.MaxValue, long.MaxValue, list);
        foreach (var e in list) sb.AppendLine(e.ToString());
        if (list.Count == 0 && snap.Index == 0) sb.AppendLine("log is empty");
    }
}
