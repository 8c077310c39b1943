namespace Fjord.Cli.Perf;

/// <summary>What one perf run measured; the JSON shape of `fjord perf ... -o json` and a row of `make bench`.</summary>
public sealed record PerfResult(
    string Kind,
    long Records,
    long Bytes,
    double Seconds,
    long Errors,
    double? P50Ms,
    double? P95Ms,
    double? P99Ms,
    double? P999Ms,
    double? AvgMs,
    double? MaxMs)
{
    public double RecordsPerSecond => Seconds > 0 ? Records / Seconds : 0;

    public double MegabytesPerSecond => Seconds > 0 ? Bytes / Seconds / 1_000_000 : 0;

    public static PerfResult From(string kind, long records, long bytes, double seconds, long errors, LatencyHistogram? latency) => latency is null || latency.Count == 0
        ? new(kind, records, bytes, seconds, errors, null, null, null, null, null, null)
        : new(kind, records, bytes, seconds, errors, latency.PercentileMs(0.50), latency.PercentileMs(0.95), latency.PercentileMs(0.99), latency.PercentileMs(0.999), latency.MeanMs, latency.MaxMs);

    /// <summary>kafka-producer-perf-test's closing line.</summary>
    public string Summary(string verb) =>
        $"{Records} records {verb}, {RecordsPerSecond:F1} records/sec ({MegabytesPerSecond:F2} MB/sec)"
        + (P50Ms is null ? string.Empty : $", {AvgMs:F2} ms avg latency, {MaxMs:F2} ms max latency, {P50Ms:F2} ms 50th, {P95Ms:F2} ms 95th, {P99Ms:F2} ms 99th, {P999Ms:F2} ms 99.9th")
        + (Errors > 0 ? $", {Errors} errors" : string.Empty) + ".";
}
