using System.Diagnostics;

namespace Fjord.Cli.Perf;

/// <summary>
/// Holds a sender to a target rate the way Kafka's ThroughputThrottler does: after each record,
/// wait until the time that record is due. Negative or zero target: no limit. Single-threaded.
/// </summary>
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
        while (true)
        {
            var ahead = due - Stopwatch.GetTimestamp();
            if (ahead <= 0)
            {
                return;
            }

            var ms = ahead * 1000 / Stopwatch.Frequency;
            if (ms >= 2)
            {
                Thread.Sleep((int)(ms - 1));
            }
            else
            {
                Thread.SpinWait(50);
            }
        }
    }
}
