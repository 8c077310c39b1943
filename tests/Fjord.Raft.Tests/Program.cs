using Fjord.Raft.Tests.Simulation;

namespace Fjord.Raft.Tests;

/// <summary>
/// Console entry of the test project: `sim` runs simulator seeds (make sim / make soak), `bench` runs
/// the three-node gRPC benchmark. xunit does not use this entry point.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: sim --seeds N --start S [--rounds R] [--trace] [--file-storage DIR] | bench [--entries N] [--fsync] [--dir D]");
            return 2;
        }
        return args[0] switch
        {
            "sim" => RunSim(args),
            "bench" => Benchmark.TransportBenchmark.Run(args[1..]),
            _ => 2,
        };
    }

    private static int RunSim(string[] args)
    {
        var seeds = IntArg(args, "--seeds", 100);
        var start = IntArg(args, "--start", 0);
        var rounds = IntArg(args, "--rounds", SimulationDefaults.ChaosRounds);
        var i = Array.IndexOf(args, "--file-storage");
        var fileStorage = i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        if (args.Contains("--trace"))
        {
            try
            {
                new Simulation.Simulation(SimulationOptions.FromSeed(start, rounds, trace: true) with { FileStorageRoot = fileStorage }).Run();
                Console.WriteLine("1 passed, 0 failed");
                return 0;
            }
            catch (InvariantViolationException e)
            {
                Console.WriteLine(e.Message);
                Console.WriteLine("0 passed, 1 failed");
                return 1;
            }
        }
        var done = 0;
        var result = SimulationRunner.Run(start, seeds, rounds, Environment.ProcessorCount, failure =>
        {
            lock (Console.Out) Console.WriteLine(failure);
        }, () =>
        {
            var n = Interlocked.Increment(ref done);
            if (n % 10000 == 0) lock (Console.Out) Console.WriteLine($"... {n} seeds");
        }, fileStorage);
        Console.WriteLine($"seeds {start}..{start + seeds - 1} in {result.Elapsed.TotalSeconds:F1}s");
        Console.WriteLine($"{result.Passed} passed, {result.Failed} failed");
        return result.Failed == 0 ? 0 : 1;
    }

    private static int IntArg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }
}
