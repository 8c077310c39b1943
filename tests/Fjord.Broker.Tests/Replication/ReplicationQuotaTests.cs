using Fjord.Broker.Replication;
using Microsoft.Extensions.Time.Testing;

namespace Fjord.Broker.Tests.Replication;

public sealed class ReplicationQuotaTests
{
    private const long Bound = 5_000_000;
    private const long FetchBytes = 100_000;
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);
    private readonly FakeTimeProvider _time = new();

    /// <summary>A throttled copy: every 10 ms, one fetch of <see cref="FetchBytes"/> unless the quota is exceeded (as the fetcher and leader do).</summary>
    private List<(TimeSpan At, long Total)> Transfer(ReplicationQuota quota, TimeSpan duration)
    {
        var trace = new List<(TimeSpan, long)>();
        var total = 0L;
        for (var at = TimeSpan.Zero; at < duration; at += Step)
        {
            if (!quota.IsQuotaExceeded())
            {
                quota.Record(FetchBytes);
                total += FetchBytes;
            }
            trace.Add((at, total));
            _time.Advance(Step);
        }
        return trace;
    }

    [Fact]
    public void Transfer_WithABound_NeverMovesMoreThanTheBoundPerElapsedTimePlusOneFetch()
    {
        var quota = new ReplicationQuota(Bound, samples: 11, TimeSpan.FromSeconds(1), _time);

        var trace = Transfer(quota, TimeSpan.FromSeconds(10));

        // Within the window nothing expires: the rate limiter's promise is bytes ≤ bound × max(elapsed, one sample) + the fetch that crossed it.
        foreach (var (at, total) in trace)
        {
            var allowed = Bound * Math.Max(at.TotalSeconds + Step.TotalSeconds, 1.0) + FetchBytes;
            Assert.True(total <= allowed, $"{total} bytes after {at.TotalMilliseconds} ms exceed {allowed}");
        }
        // …and it is not starved either: 10 s at 5 MB/s is ~50 MB.
        Assert.InRange(trace[^1].Total, 0.9 * Bound * 10, 1.05 * Bound * 10);
    }

    [Fact]
    public void Transfer_OverManyWindows_AveragesTheBound()
    {
        var quota = new ReplicationQuota(Bound, samples: 11, TimeSpan.FromSeconds(1), _time);

        var trace = Transfer(quota, TimeSpan.FromSeconds(40));

        // Bytes per second over the last 20 s (samples expire and are reused in this stretch).
        var at20 = trace.First(t => t.At >= TimeSpan.FromSeconds(20)).Total;
        var perSecond = (trace[^1].Total - at20) / 20.0;
        Assert.InRange(perSecond, 0.9 * Bound, 1.1 * Bound);
        for (var second = 12; second < 40; second++)
        {
            var start = trace.First(t => t.At >= TimeSpan.FromSeconds(second)).Total;
            var end = trace.First(t => t.At >= TimeSpan.FromSeconds(second + 1) - Step).Total;
            Assert.True(end - start <= 2 * Bound, $"second {second} moved {end - start} bytes");
        }
    }

    [Fact]
    public void IsQuotaExceeded_Unlimited_NeverThrottles()
    {
        var quota = new ReplicationQuota(ReplicationQuota.Unlimited, samples: 11, TimeSpan.FromSeconds(1), _time);

        var trace = Transfer(quota, TimeSpan.FromSeconds(2));

        Assert.True(quota.IsUnlimited);
        Assert.Equal(trace.Count * FetchBytes, trace[^1].Total);
    }

    [Fact]
    public void IsQuotaExceeded_FirstSample_CountsAsAFullSampleLong()
    {
        var quota = new ReplicationQuota(Bound, samples: 11, TimeSpan.FromSeconds(1), _time);

        quota.Record(Bound);
        Assert.False(quota.IsQuotaExceeded());
        Assert.Equal(Bound, quota.Rate(), precision: 0);
        quota.Record(1);
        Assert.True(quota.IsQuotaExceeded());
    }

    [Fact]
    public void IsQuotaExceeded_AfterTheWholeWindowPasses_IsFreeAgain()
    {
        var quota = new ReplicationQuota(Bound, samples: 3, TimeSpan.FromSeconds(1), _time);
        quota.Record(10 * Bound);
        Assert.True(quota.IsQuotaExceeded());

        _time.Advance(TimeSpan.FromSeconds(2.5));
        Assert.True(quota.IsQuotaExceeded());
        _time.Advance(TimeSpan.FromSeconds(0.5));

        Assert.False(quota.IsQuotaExceeded());
        Assert.Equal(0, quota.Rate());
    }

    [Fact]
    public void Bound_ChangedAtRuntime_AppliesToTheNextCheck()
    {
        var quota = new ReplicationQuota(ReplicationQuota.Unlimited, samples: 11, TimeSpan.FromSeconds(1), _time);
        quota.Record(2 * Bound);
        Assert.False(quota.IsQuotaExceeded());

        quota.Bound = Bound;

        Assert.True(quota.IsQuotaExceeded());
        quota.Bound = ReplicationQuota.Unlimited;
        Assert.False(quota.IsQuotaExceeded());
    }
}
