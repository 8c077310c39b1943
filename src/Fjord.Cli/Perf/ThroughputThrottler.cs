using System.Diagnostics;

namespace Fjord.Cli.Perf;

/// <summary>
/// Holds a sender to a target rate the way Kafka's ThroughputThrottler does: after each record, wait until the time
/// that record is due. Negative or zero target: no limit. Single-threaded.
/// </summary>
/// <remarks>
/// It only ever sleeps. Spinning through the sub-millisecond gaps kept one core busy for the whole run at rates of
/// 500 records/s and more (every gap is then under 2 ms), and on a 2-core machine that core is taken from the brokers
/// being measured: at 1,000 records/s the acks=all p99 was mostly this tool's own doing. A sleep of 1 ms may return a
/// little late; the schedule is absolute, so the next records go out at once and the rate holds.
/// </remarks>
public sealed class ThroughputThrottler(double recordsPerSecond)
{
    private readonly long _start = Stopwatch.GetTimestamp();

    public bool Unlimited => recordsPerSecond <= 0;

    public void WaitFor(long sent)
    {
        if (Unlimited)
        {
            return;
        }

        var due = _start + (long)(sent / recordsPerSecond * Stopwatch.Frequency);
        var ahead = due - Stopwatch.GetTimestamp();
        if (ahead > 0)
        {
            Thread.Sleep(TimeSpan.FromSeconds(Math.Max(0.001, ahead / (double)Stopwatch.Frequency)));
        }
    }
}
