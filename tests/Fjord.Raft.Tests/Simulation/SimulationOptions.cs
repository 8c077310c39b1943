namespace Fjord.Raft.Tests.Simulation;

/// <summary>
/// Everything a simulated run depends on, derived from the seed alone so a seed replays exactly.
/// Immutable.
/// </summary>
public sealed record SimulationOptions
{
    public required int Seed { get; init; }
    public int Voters { get; init; } = 3;
    public int Learners { get; init; }
    /// <summary>Ids beyond the initial members, available to membership changes.</summary>
    public int Spares { get; init; } = 2;
    public int ChaosRounds { get; init; } = SimulationDefaults.ChaosRounds;
    /// <summary>Rounds after healing within which a leader must commit a fresh proposal everywhere.</summary>
    public int LivenessRounds { get; init; } = 200;
    public int ElectionTick { get; init; } = 10;
    public int HeartbeatTick { get; init; } = 1;
    public bool PreVote { get; init; } = true;
    public bool CheckQuorum { get; init; } = true;
    public int MaxEntriesPerMessage { get; init; } = 64;
    public int MaxInflight { get; init; } = 256;
    public int SnapshotChunkBytes { get; init; } = 4096;
    public double DropRate { get; init; }
    public double DuplicateRate { get; init; }
    public double DelayRate { get; init; }
    public bool Trace { get; init; }
    /// <summary>When set, nodes keep their raft log in <see cref="FileRaftStorage"/> under this directory.</summary>
    public string? FileStorageRoot { get; init; }
    /// <summary>Plants the Figure 8 commit bug in every node (<see cref="RaftConfig.PlantFigure8CommitBug"/>): the simulator must then fail.</summary>
    public bool PlantFigure8CommitBug { get; init; }
    /// <summary>After each Ready a leader handles, it crashes with probability 1/n.</summary>
    public int LeaderCrashOneIn { get; init; } = 40;

    /// <summary>A varied configuration picked by the seed.</summary>
    public static SimulationOptions FromSeed(int seed, int chaosRounds = SimulationDefaults.ChaosRounds, bool trace = false)
    {
        var r = new Random(unchecked(seed * 7919 + 17));
        var options = new SimulationOptions
        {
            Seed = seed,
            Voters = r.Next(2) == 0 ? 3 : 5,
            Learners = r.Next(3),
            Spares = 2,
            ChaosRounds = chaosRounds,
            ElectionTick = new[] { 3, 5, 10 }[r.Next(3)],
            HeartbeatTick = 1 + r.Next(3),
            PreVote = r.Next(10) != 0,
            CheckQuorum = r.Next(10) != 0,
            MaxEntriesPerMessage = new[] { 1, 2, 3, 64 }[r.Next(4)],
            MaxInflight = new[] { 1, 2, 4, 256 }[r.Next(4)],
            SnapshotChunkBytes = new[] { 7, 16, 4096 }[r.Next(3)],
            DropRate = r.NextDouble() * 0.12,
            DuplicateRate = r.NextDouble() * 0.05,
            DelayRate = r.NextDouble() * 0.15,
            LeaderCrashOneIn = new[] { 4, 10, 30, 1000 }[r.Next(4)],
            Trace = trace,
        };
        // Heartbeats must come well within an election timeout.
        options = options with { HeartbeatTick = Math.Min(options.HeartbeatTick, Math.Max(1, options.ElectionTick / 3)) };
        return options;
    }

    public override string ToString() =>
        $"voters={Voters} learners={Learners} preVote={PreVote} checkQuorum={CheckQuorum} election={ElectionTick} hb={HeartbeatTick} " +
        $"maxEntries={MaxEntriesPerMessage} inflight={MaxInflight} chunk={SnapshotChunkBytes} " +
        $"drop={DropRate:F3} dup={DuplicateRate:F3} delay={DelayRate:F3} leaderCrash=1/{LeaderCrashOneIn}";
}
