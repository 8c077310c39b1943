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
        RunRange(start, count);
    }

    /// <summary>
    /// A range no earlier run has tried, picked afresh each run (FJORD_SIM_FRESH_START pins it): the fixed range
    /// guards against regressions, this one keeps looking. The range is printed; each failure names its replay.
    /// </summary>
    [Fact]
    public void ClusterSimulation_OverAFreshRandomRangeOf100Seeds_KeepsEveryMetadataInvariant()
    {
        var start = int.TryParse(Environment.GetEnvironmentVariable("FJORD_SIM_FRESH_START"), out var s) ? s : Random.Shared.Next(1_000_000, 1_000_000_000);
        RunRange(start, 100);
    }

    /// <summary>
    /// Replays the seed in FJORD_SIM_SEED (default 0; set, it also prints the trace) twice: both runs keep every
    /// invariant and end at the same step with the same committed image, so a printed seed is a faithful replay.
    /// </summary>
    [Fact]
    public void ClusterSimulation_ReplaysOneSeed_IdenticallyAndWithinEveryInvariant()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FJORD_SIM_SEED"), out var s) ? s : 0;
        var trace = Environment.GetEnvironmentVariable("FJORD_SIM_SEED") is not null;
        var first = new ClusterSimulation(ClusterSimulationOptions.FromSeed(seed, trace));
        var second = new ClusterSimulation(ClusterSimulationOptions.FromSeed(seed));

        var failure = Record.Exception(first.Run) ?? Record.Exception(second.Run);

        Assert.True(failure is null, $"seed {seed}: {failure?.Message}");
        output.WriteLine($"seed {seed}: {first.Step} steps, {first.CommittedImage.TopicsById.Count} topics in the committed image");
        Assert.Equal(first.Step, second.Step);
        Assert.True(first.CommittedImage.ContentEquals(second.CommittedImage), $"seed {seed} replayed to a different committed image");
    }

    /// <summary>
    /// Each bug docs/metadata.md describes, planted on purpose, fails some seed of 0..99: the simulation and its
    /// invariants still catch what they were built to catch.
    /// </summary>
    [Theory]
    [InlineData(nameof(PlantedMetadataBug.ActivateBeforeCatchingUp))]
    [InlineData(nameof(PlantedMetadataBug.NoEpochBumpOnLeaderChange))]
    [InlineData(nameof(PlantedMetadataBug.ElectionIgnoresIsr))]
    [InlineData(nameof(PlantedMetadataBug.FencingLeavesLeaderships))]
    public void ClusterSimulation_WithAKnownBugPlanted_FailsWithin100Seeds(string bugName)
    {
        var bug = Enum.Parse<PlantedMetadataBug>(bugName);
        var result = ClusterSimulationRunner.Run(0, 100, Environment.ProcessorCount, o => o with { PlantedBug = bug });
        output.WriteLine($"{bug} planted, seeds 0..99: {result.Failed} failed; first:\n{result.Failures.FirstOrDefault()}");
        Assert.True(result.Failed > 0, $"{bug} was planted, yet every seed of 0..99 passed");
    }

    private void RunRange(int start, int count)
    {
        var result = ClusterSimulationRunner.Run(start, count, Environment.ProcessorCount);
        output.WriteLine($"seeds {start}..{start + count - 1} in {result.Elapsed.TotalSeconds:F1}s: {result.Passed} passed, {result.Failed} failed");
        Assert.True(result.Failed == 0, $"seeds {start}..{start + count - 1}: {result.Failed} failed; first:\n" + string.Join("\n\n", result.Failures.Take(2)));
    }
}
