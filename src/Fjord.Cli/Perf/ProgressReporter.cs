using System.Diagnostics;

namespace Fjord.Cli.Perf;

/// <summary>
/// The live progress line of a perf run: every interval, the records, rate and latency of the
/// window just ended, on stderr (one line per window, like kafka-producer-perf-test). Called from
/// the sending thread only.
/// </summary>
public sealed class ProgressReporter(string verb, TimeSpan interval, bool quiet)
{
    private readonly long _intervalTicks = (long)(interval.TotalSeconds * Stopwatch.Frequency);
    private long _windowStart = Stopwatch.GetTimestamp();
    private long _windowRecords;
    private long _windowBytes;
    private long _windowLatencyCount;
    private double _windowLatencySumMs;
    private double _windowMaxMs;

    public void Add(long records, long bytes)
    {
        Interlocked.Add(ref _windowRecords, records);
        Interlocked.Add(ref _windowBytes, bytes);
    }

    public void AddLatency(double ms)
    {
        lock (this)
        {
            _windowLatencyCount++;
            _windowLatencySumMs += ms;
            _windowMaxMs = Math.Max(_windowMaxMs, ms);
        }
    }

    public void Tick()
    {
        var now = Stopwatch.GetTimestamp();
        if (now - _windowStart < _intervalTicks)
        {
            return;
        }

        var seconds = (now - _windowStart) / (double)Stopwatch.Frequency;
        var records = Interlocked.Exchange(ref _windowRecords, 0);
        var bytes = Interlocked.Exchange(ref _windowBytes, 0);
        string latency;
        lock (this)
        {
            latency = _windowLatencyCount == 0 ? string.Empty : $", {_windowLatencySumMs / _windowLatencyCount:F1} ms avg latency, {_windowMaxMs:F1} ms max latency";
            _windowLatencyCount = 0;
            _windowLatencySumMs = 0;
            _windowMaxMs = 0;
        }

        _windowStart = now;
        if (!quiet)
        {
            Console.Error.WriteLine($"{records} records {verb}, {records / seconds:F1} records/sec ({bytes / seconds / 1_000_000:F2} MB/sec){latency}.");
        }
    }
}
