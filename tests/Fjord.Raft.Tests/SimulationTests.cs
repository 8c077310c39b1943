using Fjord.Raft.Tests.Simulation;
using Xunit.Abstractions;

namespace Fjord.Raft.Tests;

public sealed class SimulationTests(ITestOutputHelper output)
{
    [Fact]
    public void Simulator_Over2000Seeds_KeepsEverySafetyAndLivenessInvariant()
    {
        var result = SimulationRunner.Run(0, 2000, SimulationDefaults.ChaosRounds, Environment.ProcessorCount);
        output.WriteLine($"2000 seeds in {result.Elapsed.TotalSeconds:F1}s: {result.Passed} passed, {result.Failed} failed");
        Assert.True(result.Failed == 0, string.Join("\n\n", result.Failures.Take(3)));
    }

    [Fact]
    public void Simulator_WithFileStorageReopenedOnEveryRestart_KeepsEveryInvariant()
    {
        var root = Path.Combine(Path.GetTempPath(), "fjord-raft-sim-" + Guid.NewGuid().ToString("N"));
        try
        {
            var result = SimulationRunner.Run(0, 100, SimulationDefaults.ChaosRounds, Environment.ProcessorCount, fileStorageRoot: root);
            output.WriteLine($"100 seeds on files in {result.Elapsed.TotalSeconds:F1}s: {result.Passed} passed, {result.Failed} failed");
            Assert.True(result.Failed == 0, string.Join("\n\n", result.Failures.Take(3)));
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }
}
