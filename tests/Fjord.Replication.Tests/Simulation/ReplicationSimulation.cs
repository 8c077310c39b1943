using System.Runtime.InteropServices;

namespace Fjord.Replication.Tests.Simulation;

/// <summary>
/// A seeded simulation of one partition replicated to a few brokers, deciding with <see cref="IsrRules"/> and
/// <see cref="FollowerFetchState"/> as the broker's leader does: acks=all appends, follower fetches (one follower
/// slow), ISR shrinks and expansions sent to a controller that answers them or finds them stale, broker crashes
/// and restarts (a leader's crash elects a new leader from the ISR mid-append) and KIP-101 truncation of a
/// follower's divergent suffix against the new leader. After every step it checks: the leader's high watermark
/// never goes back; no acknowledged record is truncated or missing from the leader; every ISR member has every
/// record below the high watermark. A violation throws <see cref="ReplicationInvariantException"/> naming seed and
/// step, and the same seed replays the same run. Not thread-safe; one instance per run.
/// </summary>
public sealed class ReplicationSimulation
{
    private readonly int _seed;
    private readonly Random _random;
    private readonly ReplicationSimulationOptions _options;
    private readonly SimulatedClock _clock = new();
    private readonly SimulatedReplica[] _replicas;
    private readonly List<(long Offset, int Epoch)> _acked = [];
    private readonly List<(long Offset, int Epoch)> _awaitingAck = [];
    private List<int> _isr;
    private int _leaderId;
    private int _leaderEpoch;
    private int _partitionEpoch;
    private Tenure? _tenure;
    private int _step;

    public ReplicationSimulation(int seed, ReplicationSimulationOptions options)
    {
        _seed = seed;
        _random = new Random(seed);
        _options = options;
        _replicas = [.. Enumerable.Range(0, options.Replicas).Select(id => new SimulatedReplica(id))];
        _isr = [.. Enumerable.Range(0, options.Replicas)];
        _leaderId = 0;
        StartTenure();
    }

    /// <summary>What one run went through, so a test can show the seeds exercised every kind of event.</summary>
    public readonly record struct Summary(int Acked, int LeaderChanges, int Truncations, int Shrinks, int Expansions);

    private int _leaderChanges;
    private int _truncations;
    private int _shrinks;
    private int _expansions;

    public Summary Run()
    {
        for (_step = 0; _step < _options.Steps; _step++)
        {
            _clock.Advance(_random.Next(0, 40));
            var roll = _random.NextDouble();
            if (roll < 0.30) Produce();
            else if (roll < 0.70) Fetch(_random.Next(_replicas.Length));
            else if (roll < 0.80) CheckShrink();
            else if (roll < 0.92) AnswerPendingChange();
            else _clock.Advance(_random.Next(0, 200));
            if (_random.NextDouble() < _options.CrashRate) Crash(_replicas[_random.Next(_replicas.Length)]);
            if (_random.NextDouble() < _options.RestartRate) Restart(_replicas[_random.Next(_replicas.Length)]);
            CheckInvariants();
        }
        return new Summary(_acked.Count, _leaderChanges, _truncations, _shrinks, _expansions);
    }

    private SimulatedReplica? Leader => _leaderId >= 0 && _replicas[_leaderId].IsAlive ? _replicas[_leaderId] : null;

    private void Produce()
    {
        if (Leader is not { } leader || _tenure is null) return;
        var records = _random.Next(1, 4);
        for (var i = 0; i < records; i++)
        {
            _awaitingAck.Add((leader.LogEndOffset, _leaderEpoch));
            leader.Log.Add(_leaderEpoch);
        }
        AdvanceHighWatermark();
    }

    private void Fetch(int followerId)
    {
        var follower = _replicas[followerId];
        if (Leader is not { } leader || _tenure is null || followerId == _leaderId || !follower.IsAlive) return;
        // The last replica is the slow follower: it fetches a quarter as often as the others.
        if (followerId == _replicas.Length - 1 && _random.Next(4) != 0) return;

        // KIP-101: the follower first drops whatever diverges from the leader's log (the diverging epoch answer).
        var common = 0;
        while (common < follower.Log.Count && common < leader.Log.Count && follower.Log[common] == leader.Log[common]) common++;
        if (common < follower.Log.Count) Truncate(follower, common);

        var fetchOffset = follower.LogEndOffset;
        var leaderLogEndOffset = leader.LogEndOffset;
        var state = _tenure.Followers[followerId];
        state.UpdateFetchState(fetchOffset, leaderLogEndOffset, _clock.GetTimestamp());
        if (_tenure.Pending is null && !_isr.Contains(followerId)
            && IsrRules.MayJoinIsr(fetchOffset, _tenure.HighWatermark, _tenure.EpochStartOffset, isEligible: true))
            _tenure.Pending = new PendingChange([.. _isr, followerId], IsExpansion: true, _partitionEpoch);
        AdvanceHighWatermark();

        var copied = (int)Math.Min(leaderLogEndOffset - fetchOffset, _random.Next(0, 6));
        for (var i = 0; i < copied; i++) follower.Log.Add(leader.Log[(int)fetchOffset + i]);
        follower.HighWatermark = Math.Min(_tenure.HighWatermark, follower.LogEndOffset);
    }

    private void Truncate(SimulatedReplica replica, int to)
    {
        foreach (var (offset, epoch) in _acked)
            if (offset >= to && offset < replica.Log.Count && replica.Log[(int)offset] == epoch)
                Fail($"replica {replica.Id} truncated to {to}, removing acknowledged offset {offset} (epoch {epoch})");
        replica.Log.RemoveRange(to, replica.Log.Count - to);
        replica.HighWatermark = Math.Min(replica.HighWatermark, to);
        _truncations++;
    }

    private void CheckShrink()
    {
        if (Leader is not { } leader || _tenure is not { Pending: null }) return;
        var now = _clock.GetTimestamp();
        var kept = _isr.Where(m => IsrRules.IsInSync(m, _leaderId, leader.LogEndOffset, _tenure.Followers, now, _options.ReplicaLagTimeMax, _clock)).ToList();
        if (kept.Count < _isr.Count) _tenure.Pending = new PendingChange(kept, IsExpansion: false, _partitionEpoch);
    }

    /// <summary>The controller's AlterPartition: accepted only against the current partition epoch, leader and live replicas.</summary>
    private void AnswerPendingChange()
    {
        if (_tenure is not { Pending: { } change }) return;
        _tenure.Pending = null;
        if (change.PartitionEpoch != _partitionEpoch || Leader is null || change.NewIsr.Any(m => !_replicas[m].IsAlive)) return;
        _isr = change.NewIsr;
        _partitionEpoch++;
        if (change.IsExpansion) _expansions++;
        else _shrinks++;
        AdvanceHighWatermark();
    }

    private void Crash(SimulatedReplica replica)
    {
        if (!replica.IsAlive) return;
        replica.IsAlive = false;
        // The controller fences it: out of the ISR unless it is the last member (the ISR never empties).
        if (_isr.Count > 1) _isr = [.. _isr.Where(m => m != replica.Id)];
        _partitionEpoch++;
        if (_tenure is not null) _tenure.Pending = null;
        if (replica.Id != _leaderId) return;
        _leaderId = _isr.FirstOrDefault(m => _replicas[m].IsAlive, -1);
        _leaderEpoch++;
        StartTenure();
    }

    private void Restart(SimulatedReplica replica)
    {
        if (replica.IsAlive) return;
        replica.IsAlive = true;
        if (_leaderId >= 0 || !_isr.Contains(replica.Id)) return;
        // An offline partition comes back with the ISR member that returns (a clean election).
        _leaderId = replica.Id;
        _leaderEpoch++;
        _partitionEpoch++;
        StartTenure();
    }

    private void StartTenure()
    {
        _awaitingAck.Clear();
        if (_leaderId < 0)
        {
            _tenure = null;
            return;
        }
        _leaderChanges++;
        var leader = _replicas[_leaderId];
        var now = _clock.GetTimestamp();
        var followers = new Dictionary<int, FollowerFetchState>();
        foreach (var replica in _replicas)
            if (replica.Id != _leaderId) followers[replica.Id] = new FollowerFetchState(_isr.Contains(replica.Id), now);
        _tenure = new Tenure(leader.LogEndOffset, leader.HighWatermark, followers);
        AdvanceHighWatermark();
    }

    private void AdvanceHighWatermark()
    {
        if (Leader is not { } leader || _tenure is null) return;
        var maximalIsr = _tenure.Pending is { IsExpansion: true } expansion ? expansion.NewIsr : _isr;
        var candidate = _options.HighWatermarkRule(_leaderId, leader.LogEndOffset, _tenure.EpochStartOffset, CollectionsMarshal.AsSpan(maximalIsr), _tenure.Followers);
        if (candidate is { } hw && hw > _tenure.HighWatermark)
        {
            _tenure.HighWatermark = hw;
            leader.HighWatermark = hw;
        }
        for (var i = _awaitingAck.Count - 1; i >= 0; i--)
        {
            if (_awaitingAck[i].Offset >= _tenure.HighWatermark) continue;
            _acked.Add(_awaitingAck[i]);
            _awaitingAck.RemoveAt(i);
        }
    }

    private void CheckInvariants()
    {
        if (_tenure is null || Leader is not { } leader) return;
        if (_tenure.HighWatermark < _tenure.LastCheckedHighWatermark)
            Fail($"high watermark went back from {_tenure.LastCheckedHighWatermark} to {_tenure.HighWatermark}");
        _tenure.LastCheckedHighWatermark = _tenure.HighWatermark;
        foreach (var (offset, epoch) in _acked)
            if (offset >= leader.LogEndOffset || leader.Log[(int)offset] != epoch)
                Fail($"leader {leader.Id} (epoch {_leaderEpoch}) lacks acknowledged offset {offset} of epoch {epoch}");
        foreach (var member in _isr)
        {
            var log = _replicas[member].Log;
            for (var offset = 0; offset < _tenure.HighWatermark; offset++)
                if (offset >= log.Count || log[offset] != leader.Log[offset])
                    Fail($"ISR member {member} lacks offset {offset} below the high watermark {_tenure.HighWatermark} (ISR [{string.Join(',', _isr)}])");
        }
    }

    private void Fail(string what) => throw new ReplicationInvariantException($"seed {_seed}, step {_step}: {what}");

    private sealed record PendingChange(List<int> NewIsr, bool IsExpansion, int PartitionEpoch);

    /// <summary>The leader's state in one leader epoch, as the broker's leader state keeps it.</summary>
    private sealed class Tenure(long epochStartOffset, long highWatermark, Dictionary<int, FollowerFetchState> followers)
    {
        public long EpochStartOffset { get; } = epochStartOffset;

        public long HighWatermark { get; set; } = highWatermark;

        public long LastCheckedHighWatermark { get; set; } = highWatermark;

        public Dictionary<int, FollowerFetchState> Followers { get; } = followers;

        public PendingChange? Pending { get; set; }
    }
}
