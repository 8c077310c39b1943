using System.Diagnostics;
using System.Globalization;

namespace Fjord.Raft.Tests.Benchmark;

/// <summary>
/// Three raft nodes in one process over real gRPC on loopback: proposes 100-byte entries at the leader
/// with a fixed number outstanding and reports commits/s and p50/p99 latency from propose to applied on
/// the leader, with and without fsync. A console mode, not a test (numbers on a shared machine drift).
/// </summary>
public static class TransportBenchmark
{
    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        int Arg(string name, int d) { var i = Array.IndexOf(args, name); return i >= 0 ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : d; }
        var entries = Arg("--entries", 20_000);
        var outstanding = Arg("--outstanding", 64);
        var size = Arg("--size", 100);
        Console.WriteLine($"raft over gRPC loopback: 3 nodes, {entries} entries of {size} bytes, {outstanding} outstanding proposals, {Environment.ProcessorCount} cores");
        foreach (var fsync in new[] { true, false })
        {
            var r = await RunOnceAsync(fsync, entries, outstanding, size);
            Console.WriteLine($"fsync={(fsync ? "on " : "off")}  {r.CommitsPerSecond,9:F0} commits/s  p50 {r.P50.TotalMilliseconds,7:F2} ms  p99 {r.P99.TotalMilliseconds,7:F2} ms");
        }
        return 0;
    }

    private sealed record Result(double CommitsPerSecond, TimeSpan P50, TimeSpan P99);

    private static async Task<Result> RunOnceAsync(bool fsync, int entries, int outstanding, int size)
    {
        await using var cluster = await LoopbackRaftCluster.StartAsync(3, fsync, TimeSpan.FromMilliseconds(50));
        var leader = await cluster.ElectAsync(TimeSpan.FromSeconds(10));
        var payload = new byte[size];
        Random.Shared.NextBytes(payload);
        await ProposeManyAsync(leader, payload, Math.Min(2_000, entries / 5), outstanding, null); // warm-up
        var latencies = new long[entries];
        var sw = Stopwatch.StartNew();
        await ProposeManyAsync(leader, payload, entries, outstanding, latencies);
        var elapsed = sw.Elapsed;
        Array.Sort(latencies);
        TimeSpan Pct(double p) => TimeSpan.FromTicks(latencies[(int)Math.Min(latencies.Length - 1, p * latencies.Length)] * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
        return new Result(entries / elapsed.TotalSeconds, Pct(0.50), Pct(0.99));
    }

    private static async Task ProposeManyAsync(RaftNodeDriver leader, byte[] payload, int count, int outstanding, long[]? latencies)
    {
        var next = -1;
        async Task Worker()
        {
            while (true)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= count) return;
                var start = Stopwatch.GetTimestamp();
                await leader.ProposeAsync(payload);
                if (latencies is not null) latencies[i] = Stopwatch.GetTimestamp() - start;
            }
        }
        await Task.WhenAll(Enumerable.Range(0, outstanding).Select(_ => Task.Run(Worker)));
    }
}
