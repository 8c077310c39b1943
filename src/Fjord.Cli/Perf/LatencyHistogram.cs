using System.Numerics;

namespace Fjord.Cli.Perf;

/// <summary>
/// Log-linear histogram of latencies in microseconds: exact below 1,024 µs, then 512 buckets per
/// power of two (under 0.2% error), so percentiles cost no per-sample allocation. Record is
/// thread-safe (Interlocked); read percentiles once recording has stopped.
/// </summary>
public sealed class LatencyHistogram
{
    private const int Linear = 1024;
    private const int SubBuckets = 512;
    private readonly long[] _counts = new long[Linear + (48 * SubBuckets)];
    private long _count;
    private long _sum;
    private long _max;

    public long Count => Interlocked.Read(ref _count);

    public double MeanMs => Count == 0 ? 0 : Interlocked.Read(ref _sum) / (double)Count / 1000.0;

    public double MaxMs => Interlocked.Read(ref _max) / 1000.0;

    public void RecordTicks(long stopwatchTicks) => Record(stopwatchTicks * 1_000_000 / System.Diagnostics.Stopwatch.Frequency);

    public void Record(long micros)
    {
        if (micros < 0)
        {
            micros = 0;
        }

        Interlocked.Increment(ref _counts[Index(micros)]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sum, micros);
        long seen;
        while (micros > (seen = Interlocked.Read(ref _max)) && Interlocked.CompareExchange(ref _max, micros, seen) != seen)
        {
        }
    }

    /// <summary>The latency in milliseconds at or below which <paramref name="quantile"/> of samples fall.</summary>
    public double PercentileMs(double quantile)
    {
        var total = Count;
        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(quantile * total);
        var seen = 0L;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min(UpperBound(i), Interlocked.Read(ref _max)) / 1000.0;
            }
        }

        return MaxMs;
    }

    public void Reset()
    {
        Array.Clear(_counts);
        _count = 0;
        _sum = 0;
        _max = 0;
    }

    private static int Index(long micros)
    {
        if (micros < Linear)
        {
            return (int)micros;
        }

        var shift = BitOperations.Log2((ulong)micros) - 9;
        var index = Linear + ((shift - 1) * SubBuckets) + (int)((micros >> shift) - SubBuckets);
        return Math.Min(index, Linear + (48 * SubBuckets) - 1);
    }

    private static long UpperBound(int index)
    {
        if (index < Linear)
        {
            return index;
        }

        var shift = ((index - Linear) / SubBuckets) + 1;
        var mantissa = ((index - Linear) % SubBuckets) + SubBuckets;
        return ((mantissa + 1L) << shift) - 1;
    }
}
