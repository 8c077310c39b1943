using System.Diagnostics;
using Fjord.Chaos.Cluster;
using Fjord.Chaos.Network;
using Microsoft.Extensions.Logging;

namespace Fjord.Chaos.Nemesis;

/// <summary>
/// Executes the fault schedule against the real cluster until the deadline: waits the planned calm, waits (bounded)
/// until every broker is registered again so each fault is a single failure, resolves the victim (the active
/// controller from DescribeCluster when the step says so), injects the fault, holds it, heals it. One lane by
/// default; with concurrent faults, two lanes on schedules seeded <c>seed</c> and <c>seed+1</c> that never pick
/// the same victim at once. With <paramref name="findTransactionCoordinator"/> (the transactional workload), odd-numbered
/// steps aimed at a role hit the broker coordinating a transactional.id (the step number picks which) instead of the
/// controller. Thread-safe across its lanes (victims are claimed under a lock); the cluster's nodes
/// are touched only by the lane that claimed them.
/// </summary>
public sealed partial class NemesisRunner(ChaosCluster cluster, NetworkLab? lab, ChaosOptions options, ILogger logger,
    Func<int, CancellationToken, Task<int?>>? findTransactionCoordinator = null)
{
    private static readonly TimeSpan s_healthyWait = TimeSpan.FromSeconds(60);
    private readonly HashSet<int> _victims = [];
    private readonly List<InjectedFault> _injected = [];
    private readonly List<string> _unhealed = [];

    public FaultCounts Counts { get; } = new();

    /// <summary>The faults injected so far, in order of their start.</summary>
    public IReadOnlyList<InjectedFault> Injected
    {
        get
        {
            lock (_injected) return [.. _injected.OrderBy(f => f.StartedUtc)];
        }
    }

    /// <summary>Faults that were due while the cluster had not healed from the previous one (each ends its lane).</summary>
    public IReadOnlyList<string> Unhealed
    {
        get
        {
            lock (_unhealed) return [.. _unhealed];
        }
    }

    /// <summary>The fault kinds this machine supports: partitions only with a network lab.</summary>
    public IReadOnlyList<FaultKind> Kinds =>
        lab is null || options.NoPartitions ? [FaultKind.Kill, FaultKind.Pause] : [FaultKind.Kill, FaultKind.Pause, FaultKind.Partition];

    public async Task RunAsync(DateTime deadlineUtc, CancellationToken cancel)
    {
        var lanes = options.ConcurrentFaults ? 2 : 1;
        await Task.WhenAll(Enumerable.Range(0, lanes).Select(lane => RunLaneAsync(options.Seed + lane, deadlineUtc, cancel))).ConfigureAwait(false);
    }

    private async Task RunLaneAsync(int seed, DateTime deadlineUtc, CancellationToken cancel)
    {
        var sessionTimeout = TimeSpan.FromMilliseconds(options.SessionTimeoutMs);
        var schedule = NemesisSchedule.Create(seed, cluster.Nodes.Count, Kinds, sessionTimeout);
        if (options.RequirePartition && seed == options.Seed) schedule = NemesisSchedule.PartitionFirst(schedule, sessionTimeout);
        foreach (var step in schedule)
        {
            if (DateTime.UtcNow + step.HealBefore >= deadlineUtc) return;
            await Task.Delay(step.HealBefore, cancel).ConfigureAwait(false);
            // A fault on an unhealed cluster would be a second concurrent failure: wait once more (an explicit,
            // logged retry), then stop this lane and fail the run rather than test something not promised.
            if (!await WaitUntilAllBrokersRegisteredAsync(cancel).ConfigureAwait(false))
            {
                Log.RetryingHealthyWait(logger, step.Number);
                if (!await WaitUntilAllBrokersRegisteredAsync(cancel).ConfigureAwait(false))
                {
                    lock (_unhealed) _unhealed.Add($"fault #{step.Number} due at {DateTime.UtcNow:HH:mm:ss}: not every broker registered after two waits of {s_healthyWait.TotalSeconds}s");
                    Log.StoppedUnhealed(logger, step.Number);
                    return;
                }
            }
            if (DateTime.UtcNow >= deadlineUtc) return;
            var (victim, coordinator) = await ClaimVictimAsync(step, cancel).ConfigureAwait(false);
            if (victim is null)
            {
                Log.NoFreeVictim(logger, step.Number);
                continue;
            }
            try
            {
                await InjectAsync(step, victim, coordinator, cancel).ConfigureAwait(false);
            }
            finally
            {
                lock (_victims) _victims.Remove(victim.Id);
            }
        }
    }

    private async Task<(BrokerNode? Victim, bool Coordinator)> ClaimVictimAsync(PlannedFault step, CancellationToken cancel)
    {
        var wanted = step.Node;
        var coordinator = false;
        if (step.TargetsController && step.Number % 2 == 1 && findTransactionCoordinator is not null
            && await findTransactionCoordinator(step.Number, cancel).ConfigureAwait(false) is { } found && found >= 0 && found < cluster.Nodes.Count)
        {
            wanted = found;
            coordinator = true;
        }
        else if (step.TargetsController && await ClusterAdmin.DescribeAsync(cluster.BootstrapServers).ConfigureAwait(false) is { ControllerId: { } controller }
            && controller >= 0 && controller < cluster.Nodes.Count)
            wanted = controller;
        lock (_victims)
        {
            // Another lane holds the wanted node: take the next free one (same order every time for a seed).
            for (var i = 0; i < cluster.Nodes.Count; i++)
            {
                var id = (wanted + i) % cluster.Nodes.Count;
                if (_victims.Add(id)) return (cluster.Nodes[id], coordinator && i == 0);
            }
        }
        return (null, false);
    }

    private async Task InjectAsync(PlannedFault step, BrokerNode victim, bool coordinator, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var started = DateTime.UtcNow;
        var what = step.Kind == FaultKind.Partition ? $"partition({step.Scope})" : step.Kind.ToString().ToLowerInvariant();
        if (coordinator)
        {
            what += " of the txn coordinator";
            Counts.CountCoordinatorFault();
        }
        Log.Injecting(logger, step.Number, what, victim.Id, step.TargetsController && !coordinator, step.Duration.TotalSeconds);
        victim.Append($"=== chaos: fault #{step.Number} {what} for {step.Duration.TotalSeconds:F1}s");
        Counts.Count(step.Kind);
        switch (step.Kind)
        {
            case FaultKind.Kill:
                victim.Kill();
                await Task.Delay(step.Duration, cancel).ConfigureAwait(false);
                await cluster.RestartAsync(victim, cancel).ConfigureAwait(false);
                break;
            case FaultKind.Pause:
                victim.Pause();
                try
                {
                    await Task.Delay(step.Duration, cancel).ConfigureAwait(false);
                }
                finally
                {
                    victim.Resume();
                }
                break;
            case FaultKind.Partition:
                var network = lab ?? throw new InvalidOperationException("partition planned without a network lab");
                network.Isolate(victim.Id, step.Scope);
                try
                {
                    await Task.Delay(step.Duration, cancel).ConfigureAwait(false);
                }
                finally
                {
                    network.Heal(victim.Id, step.Scope);
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step.Kind, "unknown fault kind");
        }
        lock (_injected) _injected.Add(new InjectedFault(step.Number, what, victim.Id, step.TargetsController && !coordinator, started, DateTime.UtcNow));
        Log.Healed(logger, step.Number, what, victim.Id, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Waits until DescribeCluster lists every node unfenced, so the next fault is not a second concurrent failure.</summary>
    public async Task<bool> WaitUntilAllBrokersRegisteredAsync(CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var expected = cluster.Nodes.Select(n => n.Id).ToArray();
        (int? ControllerId, int[] Brokers)? last = null;
        while (clock.Elapsed < s_healthyWait)
        {
            last = await ClusterAdmin.DescribeAsync(cluster.BootstrapServers).ConfigureAwait(false);
            if (last is { ControllerId: >= 0 } described && described.Brokers.SequenceEqual(expected)) return true;
            await Task.Delay(500, cancel).ConfigureAwait(false);
        }
        Log.NotHealthy(logger, s_healthyWait.TotalSeconds, last is { } l ? string.Join(',', l.Brokers) : "(no answer)", last?.ControllerId ?? -1);
        return false;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "fault #{Number}: {Kind} node {Node} (controller targeted: {TargetsController}) for {Seconds:F1}s")]
        public static partial void Injecting(ILogger logger, int number, string kind, int node, bool targetsController, double seconds);

        [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "fault #{Number}: {Kind} node {Node} healed after {Seconds:F1}s")]
        public static partial void Healed(ILogger logger, int number, string kind, int node, double seconds);

        [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "not every broker registered after {Seconds}s of healing (unfenced: {Brokers}, controller {Controller})")]
        public static partial void NotHealthy(ILogger logger, double seconds, string brokers, int controller);

        [LoggerMessage(EventId = 203, Level = LogLevel.Warning, Message = "fault #{Number} skipped: every node is already a victim of another lane")]
        public static partial void NoFreeVictim(ILogger logger, int number);

        [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "fault #{Number} held back: the cluster has not healed; waiting once more")]
        public static partial void RetryingHealthyWait(ILogger logger, int number);

        [LoggerMessage(EventId = 205, Level = LogLevel.Error, Message = "fault #{Number} not injected: the cluster did not heal from the previous fault; no more faults in this lane and the run fails")]
        public static partial void StoppedUnhealed(ILogger logger, int number);
    }
}
