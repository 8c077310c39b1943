using Fjord.Cli.Perf;

namespace Fjord.Bench;

/// <summary>One measured line of the benchmark table.</summary>
public sealed record BenchRow(string System, string Durability, int RecordSize, int Partitions, string Workload, PerfResult Result, double? CpuSecondsPerGb)
{
    public string Key => $"{Workload}|{RecordSize}|{Partitions}";
}
