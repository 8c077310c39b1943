using Fjord.Metadata.Tests.Simulation;
using Xunit.Abstractions;

namespace Fjord.Metadata.Tests;

public sealed class ClusterSimulationTests(ITestOutputHelper output)
{
    /// <summary>Seeds 0-299; FJORD_SIM_START and FJORD_SIM_SEEDS pick another range (a soak).</summary>
    [Fact]
    public void ClusterSimulation_Over300Seeds_KeepsEveryMetadataInvariant()
    {
        var start = int.TryParse(Environment.GetEnvironmentVariable("FJORD_SIM_START"), out var s) ? s : 0;
        var count = int.TryParse(Environment.GetEnvironmentVariable("FJORD_SIM_SEEDS"), out var n) ? n : 300;
        var result = ClusterSimulationRunner.Run(start, count, Environment.ProcessorCount);
        output.WriteLine($"seeds {start}..{start + count - 1} in {result.Elapsed.TotalSeconds:F1}s: {result.Passed} passed, {result.Failed} failed");
        Assert.True(result.Failed == 0, $"{result.Failed} failed; first:\n" + string.Join("\n\n", result.Failures.Take(2)));
    }

    /// <summary>Replays the seed in FJORD_SIM_SEED (default 0) with a full trace on the console.</summary>
    [Fact]
    public void ClusterSimulation_ReplaysOneSeed()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FJORD_SIM_SEED"), out var s) ? s : 0;
        var trace = Environment.GetEnvironmentVariable("FJORD_SIM_SEED") is not null;
        new ClusterSimulation(ClusterSimulationOptions.FromSeed(seed, trace)).Run();
    }
}
