using Fjord.Replication.Tests.Simulation;

namespace Fjord.Replication.Tests;

/// <summary>
/// The seeded replication simulation: FJORD_REPLICATION_SIM_START and FJORD_REPLICATION_SIM_SEEDS pick the seeds
/// (default 0 and 1,000; `make soak` runs 100,000). A failing seed names itself and replays exactly.
/// </summary>
public sealed class ReplicationSimulationTests
{
    [Fact]
    public void Simulation_OverEverySeed_KeepsEveryReplicationInvariant()
    {
        var start = EnvironmentInt("FJORD_REPLICATION_SIM_START", 0);
        var seeds = EnvironmentInt("FJORD_REPLICATION_SIM_SEEDS", 1000);
        var total = new ReplicationSimulation.Summary();
        for (var seed = start; seed < start + seeds; seed++)
        {
            var summary = new ReplicationSimulation(seed, new ReplicationSimulationOptions()).Run();
            total = new(total.Acked + summary.Acked, total.LeaderChanges + summary.LeaderChanges, total.Truncations + summary.Truncations,
                total.Shrinks + summary.Shrinks, total.Expansions + summary.Expansions);
        }

        Console.WriteLine($"replication simulation, seeds {start}..{start + seeds - 1}: {total}");
        // The seeds must have exercised what the invariants are about, or passing them means little.
        Assert.True(total is { Acked: > 0, LeaderChanges: > 0, Truncations: > 0, Shrinks: > 0, Expansions: > 0 }, $"seeds {start}..{start + seeds - 1} exercised too little: {total}");
    }

    [Fact]
    public void Simulation_WithTheHighWatermarkAdvancedPastAFollower_FailsAnInvariant()
    {
        // The planted bug: the leader counts only itself, as if the ISR were just the leader.
        var planted = new ReplicationSimulationOptions { HighWatermarkRule = (_, leaderLogEndOffset, _, _, _) => leaderLogEndOffset };
        var failures = new List<string>();
        for (var seed = 0; seed < 100; seed++)
        {
            try
            {
                new ReplicationSimulation(seed, planted).Run();
            }
            catch (ReplicationInvariantException e)
            {
                failures.Add(e.Message);
            }
        }

        Assert.True(failures.Count > 0, "no seed of 100 caught a high watermark advanced past the followers");
        Console.WriteLine($"planted high-watermark bug: {failures.Count} of 100 seeds failed, first: {failures[0]}");
    }

    private static int EnvironmentInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var value) ? value : fallback;
}
