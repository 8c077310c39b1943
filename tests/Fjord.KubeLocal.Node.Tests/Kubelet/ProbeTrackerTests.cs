using Fjord.KubeLocal.Node.Kubelet;
using k8s.Models;

namespace Fjord.KubeLocal.Node.Tests.Kubelet;

public class ProbeTrackerTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 3, 0, 0, TimeSpan.Zero);

    private static V1Probe Probe(int initialDelay = 0, int period = 10, int failure = 3, int success = 1) => new()
    {
        TcpSocket = new V1TCPSocketAction { Port = 8080 },
        InitialDelaySeconds = initialDelay,
        PeriodSeconds = period,
        FailureThreshold = failure,
        SuccessThreshold = success,
    };

    [Fact]
    public void NoProbe_SucceedsAtOnceAndIsNeverDue()
    {
        foreach (var kind in Enum.GetValues<ProbeKind>())
        {
            var tracker = new ProbeTracker(kind, null, Start);
            Assert.True(tracker.Succeeded);
            Assert.False(tracker.IsDue(Start.AddHours(1)));
        }
    }

    [Fact]
    public void Readiness_StartsNotReadyAndIsFirstDueAfterTheInitialDelay()
    {
        var tracker = new ProbeTracker(ProbeKind.Readiness, Probe(initialDelay: 5), Start);

        Assert.False(tracker.Succeeded);
        Assert.False(tracker.IsDue(Start.AddSeconds(4)));
        Assert.True(tracker.IsDue(Start.AddSeconds(5)));
    }

    [Fact]
    public void Readiness_NeedsSuccessThresholdSuccessesAndFailureThresholdFailures()
    {
        var tracker = new ProbeTracker(ProbeKind.Readiness, Probe(failure: 2, success: 2), Start);

        tracker.Record(true, Start);
        Assert.False(tracker.Succeeded);
        tracker.Record(true, Start.AddSeconds(10));
        Assert.True(tracker.Succeeded);
        tracker.Record(false, Start.AddSeconds(20));
        Assert.True(tracker.Succeeded);
        tracker.Record(true, Start.AddSeconds(30));
        tracker.Record(false, Start.AddSeconds(40));
        tracker.Record(false, Start.AddSeconds(50));
        Assert.False(tracker.Succeeded);
        Assert.True(tracker.FailedThreshold);
    }

    [Fact]
    public void Record_SchedulesTheNextProbeOnePeriodLater()
    {
        var tracker = new ProbeTracker(ProbeKind.Liveness, Probe(period: 3), Start);

        tracker.Record(true, Start.AddSeconds(1));

        Assert.False(tracker.IsDue(Start.AddSeconds(3.9)));
        Assert.True(tracker.IsDue(Start.AddSeconds(4)));
    }

    [Fact]
    public void Liveness_StartsAliveAndFailsAfterTheThreshold()
    {
        var tracker = new ProbeTracker(ProbeKind.Liveness, Probe(failure: 3), Start);
        Assert.True(tracker.Succeeded);

        tracker.Record(false, Start);
        tracker.Record(false, Start.AddSeconds(10));
        Assert.False(tracker.FailedThreshold);
        tracker.Record(false, Start.AddSeconds(20));
        Assert.True(tracker.FailedThreshold);
    }

    [Fact]
    public void Startup_StopsProbingOnceSucceeded()
    {
        var tracker = new ProbeTracker(ProbeKind.Startup, Probe(), Start);
        Assert.False(tracker.Succeeded);

        tracker.Record(true, Start);

        Assert.True(tracker.Succeeded);
        Assert.False(tracker.IsDue(Start.AddHours(1)));
    }

    [Fact]
    public void Timeout_DefaultsToOneSecond()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), new ProbeTracker(ProbeKind.Readiness, Probe(), Start).Timeout);
    }
}
