using System.Buffers.Binary;
using System.Text;

namespace Fjord.Raft.Tests.Simulation;

/// <summary>
/// A seeded, deterministic run of a raft group in one thread: the scheduler owns time (ticks) and the
/// network (deliver, drop, duplicate, delay, reorder, partition), crashes nodes (losing whatever was
/// not persisted) and restarts them, changes membership and proposes and reads. Safety invariants are
/// checked after every step; after the chaos the network heals and a leader must commit a proposal on
/// every member within a bounded number of rounds. Not thread-safe; one instance per seed.
/// </summary>
public sealed class Simulation
{
    private readonly SimulationOptions _options;
    private readonly Random _rng;
    private readonly Dictionary<ulong, SimulatedNode> _nodes = [];
    private readonly List<InFlightMessage> _network = [];
    private readonly HashSet<(ulong From, ulong To)> _blocked = [];
    private readonly Dictionary<ulong, ulong> _leaderOfTerm = [];
    private readonly Dictionary<(ulong Index, ulong Term), (ulong Data, ulong PrevTerm)> _entries = [];
    private readonly Dictionary<ulong, ulong> _committedTerm = [];
    private readonly Dictionary<ulong, ulong> _committedBy = [];   // index -> a term no earlier than the one it was committed in
    private readonly Dictionary<ulong, ulong> _chainAt = [];
    private readonly Dictionary<ulong, ulong> _readRequired = [];
    private readonly Queue<string> _trace = new();
    private ulong _maxCommitted;
    private ulong _nextProposal = 1;
    private ulong _nextRead = 1;
    private int _round;
    private bool _chaos = true;
    private ulong _livenessMarker;
    private ulong _markerIndex;
    private ulong _markerTerm;

    private sealed record InFlightMessage(Message Message, int DeliverAfterRound);

    public Simulation(SimulationOptions options)
    {
        _options = options;
        _rng = new Random(options.Seed);
        var voters = Enumerable.Range(1, options.Voters).Select(i => (ulong)i).ToArray();
        var learners = Enumerable.Range(options.Voters + 1, options.Learners).Select(i => (ulong)i).ToArray();
        var initial = new ConfState(voters, learners);
        var total = options.Voters + options.Learners + options.Spares;
        for (ulong id = 1; id <= (ulong)total; id++)
        {
            var member = initial.IsMember(id);
            var storage = OpenStorage(id);
            if (member) RaftBootstrap.Bootstrap(storage, initial);
            var node = new SimulatedNode(id, storage) { SnapshotEvery = 3 + _rng.Next(30) };
            _nodes[id] = node;
            Start(node);
        }
        ulong prevTerm = 0;
        foreach (var e in RaftBootstrap.InitialEntries(initial))
        {
            _committedTerm[e.Index] = e.Term;
            _committedBy[e.Index] = 0;
            _entries[(e.Index, e.Term)] = (SimulatedStateMachine.DataHash(e), prevTerm);
            prevTerm = e.Term;
            _maxCommitted = e.Index;
        }
    }

    private IRaftStorage OpenStorage(ulong id) => _options.FileStorageRoot is { } root
        ? new FileRaftStorage(Path.Combine(root, $"seed-{_options.Seed}", $"node-{id}"), segmentBytes: 2048)
        : new MemoryRaftStorage();

    /// <summary>Steps taken so far (each tick, delivery, ready, fault is one step).</summary>
    public long Step { get; private set; }

    /// <summary>Committed index reached.</summary>
    public ulong MaxCommitted => _maxCommitted;

    /// <summary>Runs chaos then the liveness phase; throws <see cref="InvariantViolationException"/> on failure.</summary>
    public void Run()
    {
        try
        {
            RunPhases();
        }
        finally
        {
            foreach (var n in _nodes.Values) (n.Storage as IDisposable)?.Dispose();
            if (_options.FileStorageRoot is { } root)
            {
                var dir = Path.Combine(root, $"seed-{_options.Seed}");
                if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            }
        }
    }

    private void RunPhases()
    {
        try
        {
            for (_round = 0; _round < _options.ChaosRounds; _round++) Round();
            Heal();
            var end = _round + _options.LivenessRounds;
            for (; _round < end; _round++)
            {
                Round();
                if (LivenessReached()) return;
            }
            throw new InvariantViolationException(
                $"liveness: no proposal committed on every member within {_options.LivenessRounds} rounds after healing; " +
                $"marker={_livenessMarker} at index {_markerIndex}\n{Describe()}");
        }
        catch (InvariantViolationException e)
        {
            throw new InvariantViolationException($"seed {_options.Seed} step {Step} round {_round}: {e.Message}\nlast events:\n{string.Join("\n", _trace)}");
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException or KeyNotFoundException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            throw new InvariantViolationException($"seed {_options.Seed} step {Step} round {_round}: core threw {e}\nlast events:\n{string.Join("\n", _trace)}");
        }
    }

    private void Round()
    {
        foreach (var node in _nodes.Values)
        {
            if (!node.IsUp) continue;
            node.Raft!.Tick();
            AfterStep($"tick {node.Id}");
        }
        if (_chaos) InjectFaults();
        ClientTraffic();
        var budget = 2000;
        while (budget-- > 0)
        {
            var readyNodes = 0;
            foreach (var n in _nodes.Values) if (n.IsUp && n.Raft!.HasReady) readyNodes++;
            var deliverable = 0;
            foreach (var m in _network) if (m.DeliverAfterRound <= _round) deliverable++;
            if (readyNodes == 0 && deliverable == 0) break;
            // Crashing between a step and its Ready loses exactly what was not persisted.
            if (_chaos && _rng.Next(200) == 0) Crash(CrashVictim());
            if (readyNodes > 0 && (deliverable == 0 || _rng.Next(2) == 0))
            {
                var pick = _rng.Next(readyNodes);
                foreach (var n in _nodes.Values)
                {
                    if (!n.IsUp || !n.Raft!.HasReady) continue;
                    if (pick-- == 0) { HandleReady(n); break; }
                }
            }
            else
            {
                var pick = _rng.Next(deliverable);
                for (var i = 0; i < _network.Count; i++)
                {
                    if (_network[i].DeliverAfterRound > _round) continue;
                    if (pick-- != 0) continue;
                    var item = _network[i];
                    _network.RemoveAt(i);
                    Deliver(item);
                    break;
                }
            }
        }
    }

    private void Deliver(InFlightMessage item)
    {
        var m = item.Message;
        if (!_nodes.TryGetValue(m.To, out var to) || !to.IsUp) { AfterStep($"lost (down) {m}"); return; }
        if (_blocked.Contains((m.From, m.To))) { AfterStep($"cut {m}"); return; }
        if (_chaos && _rng.NextDouble() < _options.DropRate) { AfterStep($"drop {m}"); return; }
        if (_chaos && _rng.NextDouble() < _options.DuplicateRate)
            _network.Add(new InFlightMessage(m, _round + _rng.Next(3)));
        to.Raft!.Step(m);
        AfterStep(m.ToString());
    }

    private void HandleReady(SimulatedNode node)
    {
        var raft = node.Raft!;
        var rd = raft.GetReady();
        foreach (var e in rd.Entries)
        {
            // A committed entry, once held, is never replaced (what a lagging node never had may differ).
            if (node.Storage.TryGetTerm(e.Index, out var old) && old != e.Term &&
                _committedTerm.TryGetValue(e.Index, out var committed) && committed == old)
                throw new InvariantViolationException($"committed entry lost: node {node.Id} overwrote committed {old}/{e.Index} with term {e.Term}");
        }
        // No fsync: a simulated crash loses the process, not the page cache.
        node.Storage.Save(rd.HardState, rd.Snapshot, rd.Entries, sync: false);
        if (rd.Snapshot is { } snap) CheckSnapshot(node, snap);
        foreach (var e in rd.Entries) CheckPersistedEntry(node, e);
        if (rd.HardState is { } hs) RecordCommit(node, hs.Commit, hs.Term);
        if (_chaos && raft.Role == StateRole.Leader && _rng.Next(_options.LeaderCrashOneIn) == 0)
        {
            // Crash after the fsync, before anything is sent: the entries exist only here (Figure 8's S5).
            Crash(node);
            if (!node.IsUp) return;
        }
        foreach (var m in rd.Messages)
        {
            var delay = _chaos && _rng.NextDouble() < _options.DelayRate ? 1 + _rng.Next(3) : 0;
            _network.Add(new InFlightMessage(m, _round + delay));
        }
        if (rd.Snapshot is { } s)
        {
            node.StateMachine.Restore(s);
            CheckChain(node);
        }
        foreach (var e in rd.CommittedEntries)
        {
            if (e.Index <= node.StateMachine.Applied) continue;
            if (e.Index > node.PersistedCommit)
                throw new InvariantViolationException($"node {node.Id} applies {e.Index} beyond its persisted commit {node.PersistedCommit}");
            node.StateMachine.Apply(e);
            CheckChain(node);
            if (_livenessMarker != 0 && e.Data.Length == 8 && BinaryPrimitives.ReadUInt64LittleEndian(e.Data.Span) == _livenessMarker)
                _markerIndex = e.Index;
            node.AppliedSinceSnapshot++;
        }
        foreach (var rs in rd.ReadStates)
        {
            var id = BinaryPrimitives.ReadUInt64LittleEndian(rs.Context);
            if (_readRequired.Remove(id, out var required) && rs.Index < required)
                throw new InvariantViolationException($"stale read {id} on node {node.Id}: read index {rs.Index} < {required} committed before the read began");
        }
        raft.Advance();
        if (node.AppliedSinceSnapshot >= node.SnapshotEvery && node.StateMachine.Applied > node.Storage.SnapshotMetadata.Index)
        {
            var sm = node.StateMachine;
            node.Storage.CreateSnapshot(sm.Applied, sm.Conf, sm.Encode());
            var keep = (ulong)_rng.Next(4);
            if (sm.Applied > keep) node.Storage.Compact(Math.Min(sm.Applied - keep, node.Storage.SnapshotMetadata.Index));
            node.AppliedSinceSnapshot = 0;
        }
        AfterStep($"ready {node.Id}: persist {rd.Entries.Count} hs={rd.HardState} apply {rd.CommittedEntries.Count} send {rd.Messages.Count}{(rd.Snapshot is null ? "" : " snapshot " + rd.Snapshot.Metadata.Index)}");
        // Leaders that die right after acting are what exposes commit-rule bugs (Raft paper Figure 8):
        // the next leader must cope with whatever reached only part of the group.
        if (_chaos && raft.Role == StateRole.Leader && _rng.Next(_options.LeaderCrashOneIn) == 0) Crash(node);
    }

    private void CheckPersistedEntry(SimulatedNode node, Entry e)
    {
        // Log matching (§5.3): an (index, term) pair determines the entry and, inductively, the whole
        // prefix — so it suffices that it always names the same data and the same previous term.
        node.Storage.TryGetTerm(e.Index - 1, out var prevTerm);
        var seen = (SimulatedStateMachine.DataHash(e), prevTerm);
        if (_entries.TryGetValue((e.Index, e.Term), out var before))
        {
            if (before != seen)
                throw new InvariantViolationException($"log matching: node {node.Id} persisted {e.Term}/{e.Index} differing from another node's");
        }
        else _entries[(e.Index, e.Term)] = seen;
    }

    private void RecordCommit(SimulatedNode node, ulong commit, ulong nodeTerm)
    {
        // A node at term t learned its commit index from a leader of term t (or it was restored from
        // its own earlier state), so the entries were committed in term t or earlier.
        for (var i = commit; i > 0 && (!_committedBy.TryGetValue(i, out var by) || by > nodeTerm); i--)
        {
            _committedBy[i] = nodeTerm;
            if (i <= node.PersistedCommit) break;
        }
        var from = node.PersistedCommit;
        node.PersistedCommit = Math.Max(from, commit);
        var snapIndex = node.Storage.SnapshotMetadata.Index;
        for (var i = Math.Max(from + 1, snapIndex); i <= commit; i++)
        {
            if (!node.Storage.TryGetTerm(i, out var term))
                throw new InvariantViolationException($"node {node.Id} persisted commit {commit} but lacks entry {i}");
            if (_committedTerm.TryGetValue(i, out var known))
            {
                if (known != term)
                    throw new InvariantViolationException($"state machine safety: node {node.Id} committed {term}/{i} but {known}/{i} was committed before");
            }
            else _committedTerm[i] = term;
        }
        if (commit > _maxCommitted) _maxCommitted = commit;
    }

    private void CheckSnapshot(SimulatedNode node, Snapshot snap)
    {
        var i = snap.Metadata.Index;
        if (_committedTerm.TryGetValue(i, out var term) && term != snap.Metadata.Term)
            throw new InvariantViolationException($"node {node.Id} installed snapshot {snap.Metadata.Term}/{i} but {term}/{i} is committed");
    }

    private void CheckChain(SimulatedNode node)
    {
        var sm = node.StateMachine;
        if (sm.Applied == 0) return;
        if (_chainAt.TryGetValue(sm.Applied, out var chain))
        {
            if (chain != sm.Chain)
                throw new InvariantViolationException($"state machine safety: node {node.Id} applied different entries up to {sm.Applied}");
        }
        else _chainAt[sm.Applied] = sm.Chain;
    }

    private void AfterStep(string what)
    {
        Step++;
        if (_options.Trace) Console.WriteLine($"[{Step} r{_round}] {what}");
        else
        {
            _trace.Enqueue($"[{Step} r{_round}] {what}");
            if (_trace.Count > 40) _trace.Dequeue();
        }
        foreach (var node in _nodes.Values)
        {
            var raft = node.Raft;
            if (raft is null || raft.Role != StateRole.Leader) continue;
            if (_leaderOfTerm.TryGetValue(raft.Term, out var leader))
            {
                if (leader != node.Id)
                    throw new InvariantViolationException($"election safety: nodes {leader} and {node.Id} both lead term {raft.Term}");
                continue;
            }
            _leaderOfTerm[raft.Term] = node.Id;
            // Leader completeness (§5.4): a new leader holds every entry committed in an earlier term.
            // (A leader elected late in a lower term need not hold what a higher term committed.)
            var c = _maxCommitted;
            while (c > 0 && (!_committedBy.TryGetValue(c, out var by) || by >= raft.Term)) c--;
            if (c == 0) continue;
            if (raft.TryGetTerm(c, out var t))
            {
                if (t != _committedTerm[c])
                    throw new InvariantViolationException($"leader completeness: leader {node.Id} of term {raft.Term} has {t}/{c}, committed is {_committedTerm[c]}/{c}");
            }
            else if (c > raft.LastIndex)
            {
                throw new InvariantViolationException($"leader completeness: leader {node.Id} of term {raft.Term} ends at {raft.LastIndex}, before committed {c}");
            }
        }
    }

    private void Start(SimulatedNode node)
    {
        var sm = new SimulatedStateMachine();
        sm.Restore(node.Storage.Snapshot);
        node.StateMachine = sm;
        node.PersistedCommit = node.Storage.HardState.Commit;
        node.Raft = new RaftNode(new RaftConfig
        {
            Id = node.Id,
            Random = new Random(unchecked(_options.Seed * 1000003 + (int)node.Id * 101 + node.Restarts)),
            ElectionTick = _options.ElectionTick,
            HeartbeatTick = _options.HeartbeatTick,
            PreVote = _options.PreVote,
            CheckQuorum = _options.CheckQuorum,
            MaxEntriesPerMessage = _options.MaxEntriesPerMessage,
            MaxInflightMessages = _options.MaxInflight,
            SnapshotChunkBytes = _options.SnapshotChunkBytes,
            PlantFigure8CommitBug = _options.PlantFigure8CommitBug,
        }, node.Storage);
    }

    private void Crash(SimulatedNode? node)
    {
        if (node is null) return;
        var down = 0;
        foreach (var n in _nodes.Values) if (!n.IsUp && !n.Retired) down++;
        if (down >= 2) return;
        node.Raft = null;
        if (node.Storage is FileRaftStorage files)
        {
            // Only what reached the files survives; reopening runs recovery.
            files.Dispose();
            node.Storage = OpenStorage(node.Id);
        }
        AfterStep($"crash {node.Id}");
    }

    private void Restart(SimulatedNode node)
    {
        node.Restarts++;
        Start(node);
        AfterStep($"restart {node.Id} {node.Raft}");
    }

    private SimulatedNode? RandomUpNode()
    {
        var up = _nodes.Values.Where(n => n.IsUp).ToList();
        return up.Count == 0 ? null : up[_rng.Next(up.Count)];
    }

    // Leaders are the interesting victims: half of all crashes hit the current leader.
    private SimulatedNode? CrashVictim() => _rng.Next(2) == 0 ? Leader() ?? RandomUpNode() : RandomUpNode();

    private SimulatedNode? Leader()
    {
        SimulatedNode? best = null;
        foreach (var n in _nodes.Values)
            if (n.IsUp && n.Raft!.Role == StateRole.Leader && (best is null || n.Raft.Term > best.Raft!.Term)) best = n;
        return best;
    }

    private void InjectFaults()
    {
        var r = _rng.NextDouble();
        if (r < 0.06) Crash(CrashVictim());
        else if (r < 0.30)
        {
            var down = _nodes.Values.Where(n => !n.IsUp && !n.Retired).ToList();
            if (down.Count > 0) Restart(down[_rng.Next(down.Count)]);
        }
        else if (r < 0.35) Partition();
        else if (r < 0.43 && _blocked.Count > 0)
        {
            _blocked.Clear();
            AfterStep("heal partitions");
        }
        else if (r < 0.46) ChangeMembership();
        else if (r < 0.48)
        {
            var leader = Leader();
            if (leader is not null)
            {
                var voters = leader.Raft!.ConfState.Voters;
                var target = voters[_rng.Next(voters.Count)];
                leader.Raft.TransferLeadership(target);
                AfterStep($"transfer leadership {leader.Id} -> {target}");
            }
        }
    }

    private void Partition()
    {
        var ids = _nodes.Keys.ToList();
        _blocked.Clear();
        if (_rng.Next(2) == 0)
        {
            // Symmetric: two sides that cannot talk at all.
            var side = ids.Where(_ => _rng.Next(2) == 0).ToHashSet();
            foreach (var a in ids)
                foreach (var b in ids)
                    if (side.Contains(a) != side.Contains(b)) _blocked.Add((a, b));
            AfterStep($"partition {{{string.Join(",", side)}}} | rest");
        }
        else
        {
            // Asymmetric: some links lose messages in one direction only.
            var cuts = 1 + _rng.Next(4);
            for (var i = 0; i < cuts; i++)
            {
                var a = ids[_rng.Next(ids.Count)];
                var b = ids[_rng.Next(ids.Count)];
                if (a != b) _blocked.Add((a, b));
            }
            AfterStep($"one-way cuts {string.Join(" ", _blocked.Select(x => $"{x.From}->{x.To}"))}");
        }
    }

    private void ChangeMembership()
    {
        var leader = Leader();
        if (leader is null) return;
        var conf = leader.Raft!.ConfState;
        var candidates = new List<ConfChange>();
        foreach (var id in _nodes.Keys)
        {
            if (_nodes[id].Retired) continue;
            if (!conf.IsMember(id))
            {
                candidates.Add(new ConfChange(ConfChangeType.AddLearner, id));
                candidates.Add(new ConfChange(ConfChangeType.AddVoter, id));
            }
            else if (conf.IsLearner(id))
            {
                candidates.Add(new ConfChange(ConfChangeType.PromoteLearner, id));
                candidates.Add(new ConfChange(ConfChangeType.RemoveLearner, id));
            }
            else if (conf.Voters.Count > 2)
            {
                candidates.Add(new ConfChange(ConfChangeType.RemoveVoter, id));
                candidates.Add(new ConfChange(ConfChangeType.DemoteVoter, id));
            }
        }
        if (candidates.Count == 0) return;
        var cc = candidates[_rng.Next(candidates.Count)];
        var ok = leader.Raft.ProposeConfChange(cc);
        AfterStep($"propose {cc} at {leader.Id}: {(ok ? "accepted" : "refused")}");
    }

    private void ClientTraffic()
    {
        var proposals = _rng.Next(3);
        for (var i = 0; i < proposals; i++)
        {
            var node = RandomUpNode();
            if (node is null) break;
            var value = _nextProposal++;
            var data = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(data, value);
            node.Raft!.Propose(data);
            AfterStep($"propose {value} at {node.Id}");
        }
        if (_rng.Next(3) == 0)
        {
            var node = RandomUpNode();
            if (node is null) return;
            var id = _nextRead++;
            var ctx = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(ctx, id);
            // Anything committed before the read starts must be visible at its read index (§6.4).
            _readRequired[id] = _maxCommitted;
            node.Raft!.ReadIndex(ctx);
            AfterStep($"read {id} at {node.Id} (needs >= {_maxCommitted})");
        }
    }

    private void Heal()
    {
        _chaos = false;
        _blocked.Clear();
        // Deliver everything still delayed promptly.
        for (var i = 0; i < _network.Count; i++) _network[i] = _network[i] with { DeliverAfterRound = _round };
        foreach (var n in _nodes.Values) if (!n.IsUp && !n.Retired) Restart(n);
        // Without pre-vote and check-quorum a removed server disrupts the group forever (dissertation
        // §4.2.3); operators shut such servers down, so the simulator does too.
        var conf = MostAdvancedConf();
        foreach (var n in _nodes.Values)
        {
            if (conf.IsMember(n.Id) || n.Retired || _options.PreVote || _options.CheckQuorum) continue;
            n.Raft = null;
            n.Retired = true;
        }
        AfterStep($"heal: members {conf}");
    }

    private ConfState MostAdvancedConf()
    {
        SimulatedNode? best = null;
        foreach (var n in _nodes.Values)
            if (n.IsUp && (best is null || n.Raft!.CommitIndex > best.Raft!.CommitIndex)) best = n;
        return best!.Raft!.ConfState;
    }

    private bool LivenessReached()
    {
        var leader = Leader();
        if (leader is null) return false;
        var conf = leader.Raft!.ConfState;
        // A client re-proposes when the leader it proposed to is gone (its entry may have been dropped).
        if (_livenessMarker == 0 || (_markerIndex == 0 && leader.Raft.Term != _markerTerm))
        {
            var value = _nextProposal++;
            var data = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(data, value);
            if (leader.Raft.Propose(data))
            {
                _livenessMarker = value;
                _markerTerm = leader.Raft.Term;
                _markerIndex = 0;
                AfterStep($"liveness proposal {value} at {leader.Id}");
            }
            return false;
        }
        if (_markerIndex == 0) return false;
        // Applied directly or through a snapshot: either way the member's state includes the proposal.
        foreach (var id in conf.Voters) if (!AppliedMarker(id)) return false;
        foreach (var id in conf.Learners) if (!AppliedMarker(id)) return false;
        return true;
    }

    private bool AppliedMarker(ulong id)
    {
        var n = _nodes[id];
        return n.Retired || (n.IsUp && n.StateMachine.Applied >= _markerIndex);
    }

    /// <summary>A state dump of every node for failure reports.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        foreach (var n in _nodes.Values)
        {
            sb.Append("  ").Append(n.Id).Append(": ");
            if (n.Raft is null) sb.Append(n.Retired ? "retired" : "down");
            else
            {
                sb.Append(n.Raft);
                foreach (var (id, pr) in n.Raft.Progress) sb.Append($"\n      {id}: {pr}");
            }
            sb.AppendLine();
        }
        sb.Append($"  blocked: {string.Join(" ", _blocked.Select(x => $"{x.From}->{x.To}"))}; in flight: {_network.Count}");
        return sb.ToString();
    }
}
