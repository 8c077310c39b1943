using Fjord.Cli.Perf;

namespace Fjord.Bench;

/// <summary>
/// One system under benchmark, driven by the same workload shapes: produce for a while, read back
/// what was produced, and produce→consume latency at a fixed rate. "Partitions" are partitions for
/// Fjord, streams (keys) for Redis and JetStream streams for NATS.
/// </summary>
public interface IBenchTarget : IDisposable
{
    string System { get; }

    string Durability { get; }

    /// <summary>User+system CPU seconds of every server process of this target so far.</summary>
    double ServerCpuSeconds();

    /// <summary>Prepares a fresh topic/stream set for (size, partitions) and returns its name.</summary>
    Task<string> PrepareAsync(int recordSize, int partitions);

    Task<PerfResult> ProduceAsync(string name, int recordSize, int partitions, TimeSpan duration, long maxRecords);

    Task<PerfResult> ConsumeAsync(string name, int recordSize, int partitions, long records, TimeSpan maxDuration);

    Task<PerfResult> EndToEndAsync(string name, int recordSize, int partitions, double rate, TimeSpan duration);
}
