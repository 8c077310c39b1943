using System.Diagnostics;

namespace Fjord.Raft.Tests.Simulation;

/// <summary>Runs a range of seeds and reports; used by `make sim`/`make soak` and the xunit test. Thread-safe.</summary>
public static class SimulationRunner
{
    public sealed record Result(int Passed, int Failed, IReadOnlyList<string> Failures, TimeSpan Elapsed);

    /// <summary>The command that replays one seed exactly.</summary>
    public static string ReplayCommand(int seed) => $"make sim SEEDS=1 START={seed}   (full trace: dotnet run --project tests/Fjord.Raft.Tests -c Release -- sim --start {seed} --trace)";

    public static Result Run(int start, int count, int chaosRounds, int parallelism, Action<string>? onFailure = null, Action? onSeedDone = null,
        string? fileStorageRoot = null, bool plantFigure8CommitBug = false)
    {
        var sw = Stopwatch.StartNew();
        var failures = new System.Collections.Concurrent.ConcurrentBag<(int Seed, string Text)>();
        var passed = 0;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, i =>
        {
            var seed = start + i;
            try
            {
                new Simulation(SimulationOptions.FromSeed(seed, chaosRounds) with { FileStorageRoot = fileStorageRoot, PlantFigure8CommitBug = plantFigure8CommitBug }).Run();
                Interlocked.Increment(ref passed);
            }
            catch (InvariantViolationException e)
            {
                var text = $"FAIL seed {seed} ({SimulationOptions.FromSeed(seed, chaosRounds)}): {e.Message}\nreplay: {ReplayCommand(seed)}";
                failures.Add((seed, text));
                onFailure?.Invoke(text);
            }
            onSeedDone?.Invoke();
        });
        var ordered = failures.OrderBy(f => f.Seed).Select(f => f.Text).ToList();
        return new Result(passed, ordered.Count, ordered, sw.Elapsed);
    }
}
