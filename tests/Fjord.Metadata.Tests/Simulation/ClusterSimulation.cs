using System.Security.Cryptography;
using Fjord.Metadata.Records;
using Fjord.Protocol.Errors;
using Fjord.Raft;
using Microsoft.Extensions.Time.Testing;

namespace Fjord.Metadata.Tests.Simulation;

/// <summary>
/// A seeded, single-threaded run of the metadata quorum (Raft voters, each with a
/// <see cref="MetadataStateMachine"/> and a <see cref="QuorumController"/>) and simulated brokers that
/// register, heartbeat, report ISR changes and crash, plus an admin client creating, deleting,
/// reassigning and electing. The scheduler owns time (a fake clock advanced per round), the Raft network
/// (drop, delay, reorder, isolation) and broker-to-controller traffic (heartbeat loss, cut-offs).
/// After every step it checks: leader ∈ ISR ⊆ replicas on every committed and uncommitted image; at most
/// one leader per partition per leader epoch and epochs that never go back in the committed log; the
/// image on every node equals the replay of the log prefix it applied; the active controller's view equals
/// the committed image once its writes commit; and no partition stays leaderless for long while a live,
/// eligible ISR member exists. After the chaos the cluster heals and must converge. Not thread-safe.
/// </summary>
public sealed class ClusterSimulation
{
    private readonly ClusterSimulationOptions _o;
    private readonly Random _rng;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly SortedDictionary<ulong, SimulatedControllerNode> _nodes = [];
    private readonly List<SimulatedBroker> _brokers = [];
    private readonly List<(Message Message, int After)> _network = [];
    private readonly HashSet<ulong> _isolated = [];
    private readonly Queue<string> _trace = new();
    private readonly Dictionary<ulong, byte[]> _refHash = [];
    private readonly Dictionary<(Guid, int, int), int> _leaderOfEpoch = [];
    private readonly Dictionary<TopicIdPartition, int> _leaderlessRounds = [];
    private MetadataImage _ref = MetadataImage.Empty;
    private ulong _refIndex;
    private int _round;
    private bool _chaos = true;

    public ClusterSimulation(ClusterSimulationOptions options)
    {
        _o = options;
        _rng = new Random(options.Seed);
        var voters = Enumerable.Range(1, options.Voters).Select(i => (ulong)i).ToArray();
        var conf = new ConfState(voters, []);
        foreach (var id in voters)
        {
            var node = new SimulatedControllerNode(id);
            RaftBootstrap.Bootstrap(node.Storage, conf);
            _nodes[id] = node;
            Start(node);
        }
        for (var i = 0; i < options.Brokers; i++)
            _brokers.Add(new SimulatedBroker(i, "rack" + (i % 3)) { Incarnation = Uuids.NewUuid(_rng) });
        _refHash[0] = Hash(MetadataImage.Empty);
    }

    /// <summary>Steps taken (deliveries, readies, commands).</summary>
    public long Step { get; private set; }

    /// <summary>The committed image at the end.</summary>
    public MetadataImage CommittedImage => _ref;

    public void Run()
    {
        using var planted = PlantedMetadataBugs.Plant(_o.PlantedBug);
        try
        {
            for (_round = 0; _round < _o.ChaosRounds; _round++) Round();
            Heal();
            var end = _round + _o.CalmRounds;
            for (; _round < end; _round++)
            {
                Round();
                if (Converged()) return;
            }
            throw new ClusterInvariantException($"liveness: not converged {_o.CalmRounds} rounds after healing\n{Describe()}");
        }
        catch (Exception e) when (e is not ClusterInvariantException || !e.Message.StartsWith("seed "))
        {
            throw new ClusterInvariantException(
                $"seed {_o.Seed} ({_o}) round {_round} step {Step}: {(e is ClusterInvariantException ? e.Message : e.ToString())}\n" +
                $"replay: dotnet test tests/Fjord.Metadata.Tests --filter ClusterSimulation_ReplaysOneSeed (set FJORD_SIM_SEED={_o.Seed})\n" +
                $"last events:\n{string.Join("\n", _trace)}");
        }
    }

    private void Round()
    {
        _time.Advance(_o.RoundDuration);
        foreach (var node in _nodes.Values)
        {
            if (!node.IsUp) continue;
            node.Raft!.Tick();
        }
        if (_chaos) InjectFaults();
        foreach (var node in _nodes.Values)
            if (node.Controller?.IsActive == true) Command(node, "tick", c => c.Tick(), _ => { });
        foreach (var b in _brokers) BrokerStep(b);
        if (_chaos && _rng.Next(3) == 0) AdminStep();
        for (var budget = 3000; budget > 0; budget--)
        {
            var ready = _nodes.Values.Where(n => n.IsUp && n.Raft!.HasReady).ToList();
            var deliverable = 0;
            foreach (var m in _network) if (m.After <= _round) deliverable++;
            if (ready.Count == 0 && deliverable == 0) break;
            if (ready.Count > 0 && (deliverable == 0 || _rng.Next(2) == 0)) HandleReady(ready[_rng.Next(ready.Count)]);
            else
            {
                var pick = _rng.Next(deliverable);
                for (var i = 0; i < _network.Count; i++)
                {
                    if (_network[i].After > _round || pick-- != 0) continue;
                    var m = _network[i].Message;
                    _network.RemoveAt(i);
                    Deliver(m);
                    break;
                }
            }
        }
        CheckLeaderless();
    }

    // ---- controller nodes -------------------------------------------------------------------------

    private void Start(SimulatedControllerNode node)
    {
        node.StateMachine = new MetadataStateMachine();
        if (!node.Storage.Snapshot.IsEmpty)
        {
            node.StateMachine.Restore(node.Storage.Snapshot);
            CheckAgainstReference(node);
        }
        node.Raft = new RaftNode(new RaftConfig
        {
            Id = node.Id,
            Random = new Random(unchecked(_o.Seed * 1000003 + (int)node.Id * 101 + node.Restarts)),
            ElectionTick = _o.ElectionTick,
            HeartbeatTick = 1,
        }, node.Storage);
        node.Controller = new QuorumController(new QuorumControllerOptions
        {
            BrokerSessionTimeout = _o.RoundDuration * _o.SessionTimeoutRounds,
            LeaderImbalanceCheckInterval = _o.RoundDuration * 25,
            UncleanLeaderElectionEnable = _o.UncleanDefault,
            ProducerIdBlockSize = 10,
        }, _time, new Random(unchecked(_o.Seed * 7 + (int)node.Id * 13 + node.Restarts * 1009)));
        node.Pending.Clear();
    }

    private void Crash(SimulatedControllerNode node)
    {
        if (!node.IsUp) return;
        var maxDown = (_o.Voters - 1) / 2;
        if (_nodes.Values.Count(n => !n.IsUp) >= maxDown) return;
        node.Raft = null;
        node.Controller = null;
        node.Pending.Clear();
        Event($"crash node {node.Id}");
    }

    private void Restart(SimulatedControllerNode node)
    {
        node.Restarts++;
        Start(node);
        Event($"restart node {node.Id} at applied {node.StateMachine.AppliedIndex}");
    }

    private void Deliver(Message m)
    {
        Step++;
        if (!_nodes.TryGetValue(m.To, out var to) || !to.IsUp || _isolated.Contains(m.To) || _isolated.Contains(m.From)) return;
        if (_chaos && _rng.NextDouble() < _o.DropRate) return;
        to.Raft!.Step(m);
        SyncController(to);
    }

    private void HandleReady(SimulatedControllerNode node)
    {
        Step++;
        var raft = node.Raft!;
        var rd = raft.GetReady();
        node.Storage.Save(rd.HardState, rd.Snapshot, rd.Entries, sync: false);
        foreach (var m in rd.Messages)
            _network.Add((m, _round + (_chaos && _rng.Next(10) == 0 ? 1 + _rng.Next(2) : 0)));
        if (rd.Snapshot is { } snapshot)
        {
            node.StateMachine.Restore(snapshot);
            CheckAgainstReference(node);
            Event($"node {node.Id} installed snapshot {snapshot.Metadata.Index}");
        }
        foreach (var e in rd.CommittedEntries)
        {
            if (e.Index <= node.StateMachine.AppliedIndex) continue;
            node.StateMachine.Apply(e);
            ExtendReference(e);
            CheckAgainstReference(node);
            node.AppliedSinceSnapshot++;
            for (var i = 0; i < node.Pending.Count; i++)
            {
                var (index, deliver) = node.Pending[i];
                if (index != e.Index) continue;
                node.Pending.RemoveAt(i);
                // Only the entry this controller proposed answers its request (same term as when active).
                if (e.Term == node.ActiveTerm) deliver();
                break;
            }
        }
        raft.Advance();
        if (node.AppliedSinceSnapshot >= _o.SnapshotEvery && raft.AppliedIndex == raft.CommitIndex
            && node.StateMachine.AppliedIndex > node.Storage.SnapshotMetadata.Index)
        {
            var applied = node.StateMachine.AppliedIndex;
            node.Storage.CreateSnapshot(applied, raft.ConfState, node.StateMachine.TakeSnapshot());
            if (applied > 2) node.Storage.Compact(Math.Min(applied - 2, node.Storage.SnapshotMetadata.Index));
            node.AppliedSinceSnapshot = 0;
        }
        SyncController(node);
    }

    /// <summary>What the broker's controller loop must do after every Ready: apply <see cref="ControllerActivation"/>.</summary>
    private void SyncController(SimulatedControllerNode node)
    {
        var raft = node.Raft!;
        var c = node.Controller!;
        var isLeader = raft.Role == StateRole.Leader;
        if (c.IsActive && ControllerActivation.MustDeactivate(isLeader, raft.Term, node.ActiveTerm)) Deactivate(node, "lost leadership");
        if (!c.IsActive && raft.TryGetTerm(raft.LastIndex, out var lastTerm)
            && ControllerActivation.CanActivate(isLeader, raft.Term, raft.LastIndex, lastTerm, node.StateMachine.AppliedIndex))
        {
            c.Activate(node.StateMachine.Image);
            node.ActiveTerm = raft.Term;
            Event($"node {node.Id} active controller in term {raft.Term} at {raft.LastIndex}");
        }
        if (c.IsActive && node.Pending.Count == 0 && node.StateMachine.AppliedIndex == raft.LastIndex && !c.Image.ContentEquals(node.StateMachine.Image))
            throw new ClusterInvariantException($"node {node.Id}: controller view differs from the committed image with nothing pending\n" +
                $"controller:\n{c.Image.Describe()}\ncommitted:\n{node.StateMachine.Image.Describe()}");
    }

    private void Deactivate(SimulatedControllerNode node, string why)
    {
        node.Controller!.Deactivate();
        node.Pending.Clear();
        Event($"node {node.Id} controller inactive: {why}");
    }

    private SimulatedControllerNode? ActiveController()
    {
        SimulatedControllerNode? best = null;
        foreach (var n in _nodes.Values)
            if (n.Controller?.IsActive == true && (best is null || n.ActiveTerm > best.ActiveTerm)) best = n;
        return best;
    }

    /// <summary>Runs one command on an active controller: propose its records, replay them, answer once committed.</summary>
    private void Command<T>(SimulatedControllerNode node, string what, Func<QuorumController, ControllerResult<T>> command, Action<T> onCommitted)
    {
        Step++;
        var c = node.Controller!;
        var result = command(c);
        if (result.IsReadOnly)
        {
            onCommitted(result.Response);
            return;
        }
        var raft = node.Raft!;
        if (!raft.Propose(MetadataBatchCodec.EncodeRecords(result.Records)))
        {
            Deactivate(node, $"proposal of {what} refused");
            return;
        }
        c.Replay(result.Records);
        CheckPartitions(c.Image, $"controller {node.Id} view after {what}");
        node.Pending.Add((raft.LastIndex, () => onCommitted(result.Response)));
        Event($"node {node.Id} {what}: {result.Records.Count} records at {raft.LastIndex}");
    }

    // ---- brokers and admin -----------------------------------------------------------------------

    private void BrokerStep(SimulatedBroker b)
    {
        if (!b.Up) return;
        if (b.CutOffRounds > 0) { b.CutOffRounds--; return; }
        if (_chaos && _rng.NextDouble() < _o.HeartbeatLossRate * 0.3) return;
        if (ActiveController() is not { } node) return;
        var incarnation = b.Incarnation;
        if (b.Epoch < 0)
        {
            Command(node, $"register broker {b.Id}",
                c => c.RegisterBroker(new BrokerRegistrationRequest(b.Id, incarnation, b.Rack, [new("PLAINTEXT", "localhost", 9092 + b.Id)])),
                reply => { if (b.Incarnation == incarnation && reply.Error == ErrorCode.None) b.Epoch = reply.BrokerEpoch; });
            return;
        }
        var epoch = b.Epoch;
        Command(node, $"heartbeat {b.Id}",
            c => c.BrokerHeartbeat(new BrokerHeartbeatRequest(b.Id, epoch, WantFence: false, WantShutDown: b.ShuttingDown)),
            reply =>
            {
                if (b.Incarnation != incarnation) return;
                if (reply.Error is ErrorCode.StaleBrokerEpoch or ErrorCode.BrokerIdNotRegistered) b.Epoch = -1;
                else if (reply.ShouldShutDown && b.ShuttingDown)
                {
                    b.Up = false;
                    Event($"broker {b.Id} finished controlled shutdown");
                }
            });
        if (!node.Controller!.IsActive || _rng.Next(2) == 0) return;
        // As partition leader, shrink the ISR to live followers and expand it with caught-up ones, acting on a
        // possibly stale view of the committed metadata (any node's), as a real broker would.
        var view = RandomUpNode()?.StateMachine.Image ?? _ref;
        var items = new List<AlterPartitionItem>();
        foreach (var topic in view.TopicsById.Values)
            foreach (var (index, p) in topic.Partitions)
            {
                if (p.Leader != b.Id) continue;
                var isr = p.Replicas.Where(r => r == b.Id || (_brokers.Count > r && _brokers[r].Up && _brokers[r].Epoch >= 0
                    && view.Brokers.TryGetValue(r, out var reg) && reg.IsEligibleReplica && (p.Isr.Contains(r) || _rng.Next(3) == 0))).ToArray();
                if (!isr.SequenceEqual(p.Isr)) items.Add(new AlterPartitionItem(topic.Id, index, p.LeaderEpoch, isr, p.PartitionEpoch));
            }
        if (items.Count > 0 && ActiveController() is { } active)
            Command(active, $"alter partition from {b.Id}", c => c.AlterPartition(new AlterPartitionRequest(b.Id, epoch, items)), _ => { });
    }

    private SimulatedControllerNode? RandomUpNode()
    {
        var up = _nodes.Values.Where(n => n.IsUp).ToList();
        return up.Count == 0 ? null : up[_rng.Next(up.Count)];
    }

    private void AdminStep()
    {
        if (ActiveController() is not { } node) return;
        var topics = node.Controller!.Image.TopicIdsByName.Keys.ToList();
        var topic = topics.Count > 0 ? topics[_rng.Next(topics.Count)] : "t0";
        var partitions = node.Controller.Image.GetTopic(topic)?.Partitions.Count ?? 1;
        switch (_rng.Next(10))
        {
            case 0:
            case 1:
                var configs = _rng.Next(4) == 0 ? new Dictionary<string, string> { [ConfigNames.UncleanLeaderElectionEnable] = "true" } : null;
                Command(node, "create topic", c => c.CreateTopics([new CreatableTopic($"t{_rng.Next(6)}", 1 + _rng.Next(3), (short)(1 + _rng.Next(3)), Configs: configs)]), _ => { });
                break;
            case 2:
                if (_rng.Next(3) == 0) Command(node, $"delete {topic}", c => c.DeleteTopics([topic]), _ => { });
                break;
            case 3:
                Command(node, $"grow {topic}", c => c.CreatePartitions([new CreatePartitionsTopic(topic, partitions + 1)]), _ => { });
                break;
            case 4:
                {
                    var target = Enumerable.Range(0, _o.Brokers).OrderBy(_ => _rng.Next()).Take(1 + _rng.Next(3)).ToList();
                    var cancel = _rng.Next(4) == 0;
                    Command(node, $"reassign {topic}", c => c.AlterPartitionReassignments([new ReassignmentRequest(topic, _rng.Next(partitions), cancel ? null : target)]), _ => { });
                    break;
                }
            case 5:
                Command(node, "elect leaders", c => c.ElectLeaders(_rng.Next(2) == 0 ? ElectionType.Preferred : ElectionType.Unclean, null), _ => { });
                break;
            case 6:
                Command(node, $"config {topic}", c => c.IncrementalAlterConfigs([new AlterConfigsResource(ConfigResource.Topic(topic),
                    [new AlterableConfig(ConfigNames.UncleanLeaderElectionEnable, _rng.Next(2) == 0 ? AlterConfigOp.Set : AlterConfigOp.Delete, "true")])]), _ => { });
                break;
            case 7:
                if (_rng.Next(4) == 0) Command(node, "drain", c => c.DrainBroker(_rng.Next(_o.Brokers)), _ => { });
                break;
            case 8:
                {
                    var b = _brokers[_rng.Next(_brokers.Count)];
                    if (b.Epoch >= 0) Command(node, $"producer ids for {b.Id}", c => c.AllocateProducerIds(b.Id, b.Epoch), _ => { });
                    break;
                }
            case 9:
                if (_rng.Next(5) == 0) Command(node, "unregister", c => c.UnregisterBroker(_rng.Next(_o.Brokers)), _ => { });
                break;
        }
    }

    // ---- faults ----------------------------------------------------------------------------------

    private void InjectFaults()
    {
        var r = _rng.NextDouble();
        if (r < 0.04)
        {
            var victim = _rng.Next(2) == 0 ? ActiveController() ?? RandomUpNode() : RandomUpNode();
            if (victim is not null) Crash(victim);
        }
        else if (r < 0.12)
        {
            var down = _nodes.Values.Where(n => !n.IsUp).ToList();
            if (down.Count > 0) Restart(down[_rng.Next(down.Count)]);
        }
        else if (r < 0.15)
        {
            var victim = _rng.Next(2) == 0 ? ActiveController() ?? RandomUpNode() : RandomUpNode();
            if (victim is not null && _isolated.Count < (_o.Voters - 1) / 2 && _isolated.Add(victim.Id)) Event($"isolate node {victim.Id}");
        }
        else if (r < 0.21 && _isolated.Count > 0)
        {
            _isolated.Clear();
            Event("heal isolation");
        }
        else if (r < 0.25)
        {
            var b = _brokers[_rng.Next(_brokers.Count)];
            if (b.Up)
            {
                b.Up = false;
                Event($"crash broker {b.Id}");
            }
        }
        else if (r < 0.35)
        {
            var down = _brokers.Where(b => !b.Up).ToList();
            if (down.Count > 0) RestartBroker(down[_rng.Next(down.Count)]);
        }
        else if (r < 0.39)
        {
            var b = _brokers[_rng.Next(_brokers.Count)];
            b.CutOffRounds = 5 + _rng.Next(25);
            Event($"broker {b.Id} cut off for {b.CutOffRounds} rounds");
        }
        else if (r < 0.41)
        {
            var b = _brokers[_rng.Next(_brokers.Count)];
            if (b.Up && b.Epoch >= 0 && !b.ShuttingDown)
            {
                b.ShuttingDown = true;
                Event($"broker {b.Id} starts controlled shutdown");
            }
        }
    }

    private void RestartBroker(SimulatedBroker b)
    {
        b.Up = true;
        b.ShuttingDown = false;
        b.Epoch = -1;
        b.CutOffRounds = 0;
        b.Incarnation = Uuids.NewUuid(_rng);
        Event($"restart broker {b.Id}");
    }

    private void Heal()
    {
        _chaos = false;
        _isolated.Clear();
        for (var i = 0; i < _network.Count; i++) _network[i] = _network[i] with { After = _round };
        foreach (var n in _nodes.Values) if (!n.IsUp) Restart(n);
        // A broker in controlled shutdown finishes it and exits; the operator starts it again.
        foreach (var b in _brokers)
        {
            if (!b.Up || b.ShuttingDown) RestartBroker(b);
            b.CutOffRounds = 0;
        }
        Event("heal everything");
    }

    private bool Converged()
    {
        if (ActiveController() is null) return false;
        foreach (var b in _brokers)
            if (!_ref.Brokers.TryGetValue(b.Id, out var reg) || reg.Fenced || reg.IncarnationId != b.Incarnation) return false;
        foreach (var topic in _ref.TopicsById.Values)
            foreach (var p in topic.Partitions.Values)
                if (!p.HasLeader && p.Isr.Any(r => _ref.Brokers.ContainsKey(r))) return false;
        return true;
    }

    // ---- invariants ------------------------------------------------------------------------------

    private static byte[] Hash(MetadataImage image) => SHA256.HashData(MetadataBatchCodec.EncodeRecords(image.ToRecords()));

    private void ExtendReference(in Entry e)
    {
        if (e.Index <= _refIndex) return;
        if (e.Index != _refIndex + 1) throw new ClusterInvariantException($"committed entry {e.Index} applied before {_refIndex + 1}");
        var records = e.Type == EntryType.Normal ? MetadataBatchCodec.DecodeRecords(e.Data.Span) : [];
        var previous = _ref;
        _ref = _ref.With(records, e.Index);
        _refIndex = e.Index;
        _refHash[e.Index] = Hash(_ref);
        CheckPartitions(_ref, $"committed image at {e.Index}");
        foreach (var topic in _ref.TopicsById.Values)
            foreach (var (index, p) in topic.Partitions)
            {
                if (previous.GetPartition(topic.Id, index) is { } before)
                {
                    if (p.LeaderEpoch < before.LeaderEpoch || p.PartitionEpoch < before.PartitionEpoch)
                        throw new ClusterInvariantException($"{topic.Name}-{index} epochs went back at {e.Index}: {before} -> {p}");
                }
                if (!p.HasLeader) continue;
                if (_leaderOfEpoch.TryGetValue((topic.Id, index, p.LeaderEpoch), out var leader))
                {
                    if (leader != p.Leader)
                        throw new ClusterInvariantException($"{topic.Name}-{index} leader epoch {p.LeaderEpoch} has two leaders: {leader} and {p.Leader}");
                }
                else _leaderOfEpoch[(topic.Id, index, p.LeaderEpoch)] = p.Leader;
            }
    }

    private void CheckAgainstReference(SimulatedControllerNode node)
    {
        var sm = node.StateMachine;
        if (sm.Image.Offset != sm.AppliedIndex)
            throw new ClusterInvariantException($"node {node.Id} image offset {sm.Image.Offset} != applied {sm.AppliedIndex}");
        if (!_refHash.TryGetValue(sm.AppliedIndex, out var expected))
            throw new ClusterInvariantException($"node {node.Id} at {sm.AppliedIndex}, beyond any committed prefix ({_refIndex})");
        if (!expected.AsSpan().SequenceEqual(Hash(sm.Image)))
            throw new ClusterInvariantException($"node {node.Id} image at {sm.AppliedIndex} differs from the replay of the log prefix\n{sm.Image.Describe()}");
    }

    private static void CheckPartitions(MetadataImage image, string where)
    {
        foreach (var topic in image.TopicsById.Values)
            foreach (var (index, p) in topic.Partitions)
            {
                if (p.HasLeader && !p.Isr.Contains(p.Leader))
                    throw new ClusterInvariantException($"{where}: {topic.Name}-{index} leader not in ISR: {p}");
                if (!p.Isr.All(p.Replicas.Contains) || !p.AddingReplicas.All(p.Replicas.Contains) || !p.RemovingReplicas.All(p.Replicas.Contains))
                    throw new ClusterInvariantException($"{where}: {topic.Name}-{index} ISR/adding/removing not within replicas: {p}");
                if (p.Replicas.Distinct().Count() != p.Replicas.Length || p.Isr.Distinct().Count() != p.Isr.Length)
                    throw new ClusterInvariantException($"{where}: {topic.Name}-{index} duplicate replicas: {p}");
                // KIP-841: a leader and its ISR are unfenced brokers not in controlled shutdown; a partition
                // without a leader has no such ISR member (else the same batch would have elected it).
                bool Eligible(int id) => image.Brokers.TryGetValue(id, out var reg) && reg.IsEligibleReplica;
                if (p.HasLeader && !p.Isr.All(Eligible))
                    throw new ClusterInvariantException($"{where}: {topic.Name}-{index} led with an ineligible ISR member: {p}");
                if (!p.HasLeader && p.Isr.Any(Eligible))
                    throw new ClusterInvariantException($"{where}: {topic.Name}-{index} leaderless with an eligible ISR member: {p}");
            }
    }

    /// <summary>
    /// No partition stays leaderless while a live (process up) broker that the committed image shows as an
    /// eligible ISR member exists — counted only in rounds where an active controller can reach a quorum.
    /// </summary>
    private void CheckLeaderless()
    {
        var reachable = _nodes.Values.Count(n => n.IsUp && !_isolated.Contains(n.Id));
        var effective = ActiveController() is { } a && !_isolated.Contains(a.Id) && reachable > _o.Voters / 2;
        var seen = new HashSet<TopicIdPartition>();
        foreach (var topic in _ref.TopicsById.Values)
            foreach (var (index, p) in topic.Partitions)
            {
                if (p.HasLeader) continue;
                var live = p.Isr.Any(r => r < _brokers.Count && _brokers[r].Up && _ref.Brokers.TryGetValue(r, out var reg) && reg.IsEligibleReplica);
                if (!live) continue;
                var tp = new TopicIdPartition(topic.Id, index);
                seen.Add(tp);
                var rounds = _leaderlessRounds.GetValueOrDefault(tp) + (effective ? 1 : 0);
                _leaderlessRounds[tp] = rounds;
                if (rounds > _o.LeaderlessBound)
                    throw new ClusterInvariantException($"{topic.Name}-{index} leaderless for {rounds} rounds with a live eligible ISR member: {p}\n{Describe()}");
            }
        foreach (var tp in _leaderlessRounds.Keys.ToList()) if (!seen.Contains(tp)) _leaderlessRounds.Remove(tp);
    }

    private void Event(string what)
    {
        Step++;
        var line = $"[{Step} r{_round}] {what}";
        if (_o.Trace) Console.WriteLine(line);
        _trace.Enqueue(line);
        if (_trace.Count > 60) _trace.Dequeue();
    }

    /// <summary>A state dump for failure reports.</summary>
    public string Describe()
    {
        var lines = new List<string>();
        foreach (var n in _nodes.Values)
            lines.Add($"  node {n.Id}: {(n.Raft?.ToString() ?? "down")} active={n.Controller?.IsActive} applied={n.StateMachine.AppliedIndex}{(_isolated.Contains(n.Id) ? " isolated" : "")}");
        foreach (var b in _brokers)
            lines.Add($"  broker {b.Id}: up={b.Up} epoch={b.Epoch} cutOff={b.CutOffRounds} shuttingDown={b.ShuttingDown} image={(_ref.Brokers.TryGetValue(b.Id, out var reg) ? reg.ToString() : "unregistered")}");
        foreach (var t in _ref.TopicsById.Values)
            foreach (var (i, p) in t.Partitions) lines.Add($"  {t.Name}-{i}: {p}");
        return string.Join("\n", lines);
    }
}
