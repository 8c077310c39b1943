using System.Collections.Concurrent;
using System.Diagnostics;

namespace Fjord.Metadata.Tests.Simulation;

/// <summary>Runs a range of seeds in parallel and collects failures, lowest seed first. Thread-safe.</summary>
public static class ClusterSimulationRunner
{
    public sealed record Result(int Passed, int Failed, IReadOnlyList<string> Failures, TimeSpan Elapsed);

    public static Result Run(int start, int count, int parallelism)
    {
        var sw = Stopwatch.StartNew();
        var failures = new ConcurrentBag<(int Seed, string Text)>();
        var passed = 0;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, i =>
        {
            var seed = start + i;
            try
            {
                new ClusterSimulation(ClusterSimulationOptions.FromSeed(seed)).Run();
                Interlocked.Increment(ref passed);
            }
            catch (ClusterInvariantException e)
            {
                failures.Add((seed, "FAIL " + e.Message));
            }
        });
        return new Result(passed, failures.Count, [.. failures.OrderBy(f => f.Seed).Select(f => f.Text)], sw.Elapsed);
    }
}
