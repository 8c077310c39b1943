using Fjord.Chaos.Checking;
using Fjord.Chaos.Nemesis;

namespace Fjord.Chaos.Tests;

public sealed class LivenessTrackerTests
{
    private static readonly DateTime s_t0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static DateTime At(double seconds) => s_t0.AddSeconds(seconds);

    [Fact]
    public void LongestGap_IsFoundBetweenProgressReports()
    {
        var tracker = new LivenessTracker();
        tracker.Start(["producer 0"], At(0));
        foreach (var t in new[] { 1.0, 2, 30, 31 }) tracker.Progressed("producer 0", At(t));

        var stall = Assert.Single(tracker.Stop(At(32)));

        Assert.Equal(("producer 0", At(2), At(30)), (stall.Client, stall.FromUtc, stall.ToUtc));
        Assert.Equal(TimeSpan.FromSeconds(28), stall.Length);
    }

    [Fact]
    public void AStallStillRunningAtTheEnd_CountsUpToTheEnd_AndAClientThatNeverProgressed_FromTheStart()
    {
        var tracker = new LivenessTracker();
        tracker.Start(["consumer 0", "producer 1"], At(0));
        tracker.Progressed("consumer 0", At(5));

        var stalls = tracker.Stop(At(300));

        Assert.Equal(("consumer 0", At(5), At(300)), (stalls[0].Client, stalls[0].FromUtc, stalls[0].ToUtc));
        Assert.Equal(("producer 1", At(0), At(300)), (stalls[1].Client, stalls[1].FromUtc, stalls[1].ToUtc));
    }

    [Fact]
    public void ProgressOfUnknownClientsOrAfterStop_IsIgnored()
    {
        var tracker = new LivenessTracker();
        tracker.Start(["producer 0"], At(0));
        tracker.Progressed("producer 9", At(1));
        Assert.Single(tracker.Stop(At(2)));

        tracker.Progressed("producer 0", At(3));
        Assert.Empty(tracker.Stop(At(4)));
    }

    [Fact]
    public void AStall_FailsTheRun_AndIsExplainedWithTheFaultBeforeIt()
    {
        var fault = new InjectedFault(8, "pause", 1, true, At(100), At(112));
        var stall = new Stall("producer 2", At(105), At(400));
        var report = new ChaosReport(10, 10, new HistoryVerdict([], [], [], [], []), [], new FaultCounts(), [fault]) { Stalls = [stall] };

        Assert.Equal("moved=0 reordered=0 vanished=0 stalled=1 fatal=0 quiesced=yes unhealed=0", report.DetailLine);
        Assert.Equal(1, report.ExitCode);
        Assert.Contains("producer 2: no progress for 295 s, 00:01:45-00:06:40, from during fault #8 pause of node 1 (the controller)", report.Details(), StringComparison.Ordinal);
    }
}
