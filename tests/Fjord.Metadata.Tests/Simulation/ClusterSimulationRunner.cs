using System.Collections.Concurrent;
using System.Diagnostics;

namespace Fjord.Metadata.Tests.Simulation;

/// <summary>Runs a range of seeds in parallel and collects failures, lowest seed first. Thread-safe.</summary>
public static class ClusterSimulationRunner
{
    public sealed record Result(int Passed, int Failed, IReadOnlyList<string> Failures, TimeSpan Elapsed);

    /// <param name="configure">Adjusts each seed's options (e.g. plants a bug); null runs them as the seed says.</param>
    public static Result Run(int start, int count, int parallelism, Func<ClusterSimulationOptions, ClusterSimulationOptions>? configure = null)
    {
        var sw = Stopwatch.StartNew();
        var failures = new ConcurrentBag<(int Seed, string Text)>();
        var passed = 0;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, i =>
        {
            var seed = start + i;
            try
            {
                var options = ClusterSimulationOptions.FromSeed(seed);
                new ClusterSimulation(configure is null ? options : configure(options)).Run();
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
