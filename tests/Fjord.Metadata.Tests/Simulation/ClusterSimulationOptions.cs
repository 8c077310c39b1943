namespace Fjord.Metadata.Tests.Simulation;

/// <summary>Everything one simulated cluster run depends on, derived from the seed alone. Immutable.</summary>
public sealed record ClusterSimulationOptions
{
    public required int Seed { get; init; }
    public int Voters { get; init; } = 3;
    public int Brokers { get; init; } = 4;
    public int ChaosRounds { get; init; } = 150;
    /// <summary>Rounds after healing within which every partition must have a leader and every broker be unfenced.</summary>
    public int CalmRounds { get; init; } = 120;
    /// <summary>Rounds a partition may stay leaderless while a live, eligible ISR member exists and a controller is active.</summary>
    public int LeaderlessBound { get; init; } = 40;
    public int ElectionTick { get; init; } = 5;
    public double DropRate { get; init; }
    public double HeartbeatLossRate { get; init; }
    public int SnapshotEvery { get; init; } = 20;
    /// <summary>Simulated time per round; the session timeout is a multiple of it.</summary>
    public TimeSpan RoundDuration { get; init; } = TimeSpan.FromMilliseconds(100);
    public int SessionTimeoutRounds { get; init; } = 12;
    public bool UncleanDefault { get; init; }
    public bool Trace { get; init; }
    /// <summary>A known bug planted for this run (on its thread only); the invariants must then fail.</summary>
    internal PlantedMetadataBug PlantedBug { get; init; }

    public static ClusterSimulationOptions FromSeed(int seed, bool trace = false)
    {
        var r = new Random(unchecked(seed * 31337 + 5));
        return new ClusterSimulationOptions
        {
            Seed = seed,
            Voters = r.Next(3) == 0 ? 5 : 3,
            Brokers = 3 + r.Next(3),
            ElectionTick = new[] { 3, 5, 8 }[r.Next(3)],
            DropRate = r.NextDouble() * 0.1,
            HeartbeatLossRate = r.NextDouble() * 0.3,
            SnapshotEvery = new[] { 5, 20, 1000 }[r.Next(3)],
            SessionTimeoutRounds = 8 + r.Next(10),
            UncleanDefault = r.Next(4) == 0,
            Trace = trace,
        };
    }

    public override string ToString() =>
        $"voters={Voters} brokers={Brokers} election={ElectionTick} drop={DropRate:F3} hbLoss={HeartbeatLossRate:F3} " +
        $"snapshotEvery={SnapshotEvery} session={SessionTimeoutRounds} rounds unclean={UncleanDefault}";
}
