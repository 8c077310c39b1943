using Fjord.Chaos.Checking;
using Fjord.Chaos.Nemesis;
using Fjord.Chaos.Workload;

namespace Fjord.Chaos.Tests;

public sealed class ChaosReportTests
{
    private static readonly DateTime s_t0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static HistoryVerdict Clean => new([], [], [], [], []);

    [Fact]
    public void FinalLine_HasEveryCount_AndAPassingRunExitsZero()
    {
        var faults = new FaultCounts();
        faults.Count(FaultKind.Kill);
        faults.Count(FaultKind.Partition);
        faults.Count(FaultKind.Partition);

        var report = new ChaosReport(100, 90, Clean, [], faults, []);

        Assert.Equal("acked=100 consumed=90 lost=0 duplicated=0 divergent=0 faults=3 (kill=1 pause=0 partition=2)", report.FinalLine);
        Assert.Equal(0, report.ExitCode);
        Assert.Equal("", report.Details());
    }

    [Fact]
    public void TransactionalRun_FinalLineHasTheCheckersCounts_AndAnAbortedReadOrAHangingPartitionFailsIt()
    {
        var faults = new FaultCounts();
        faults.Count(FaultKind.Pause);
        faults.CountCoordinatorFault();
        var clean = new ChaosReport(0, 12, Clean, [], faults, []) { Transactions = new TransactionVerdict { Committed = 3, Aborted = 1, RecordsChecked = 12 } };
        var aborted = new TransactionAttempt(0, 7, "p0-g0", [2], TransactionIntent.Abort, TransactionCallResult.Ok, null, s_t0);
        var abortedRead = clean with
        {
            Transactions = clean.Transactions with { AbortedReads = [("consumer 0", new ConsumedRecord(2, 40, "p0-t7-0of1"), aborted)] },
        };

        Assert.Equal("committed=3 aborted=1 unknown=0 fenced=0 records=12 aborted_read=0 intermediate=0 lost=0 unknown_partial=0 duplicated=0 reordered=0 skipped=0 vanished=0 foreign=0 zombie_commit=0 hanging=0 divergent=0 faults=1 (kill=0 pause=1 partition=0 coordinator=1)",
            clean.FinalLine);
        Assert.Equal(0, clean.ExitCode);
        Assert.Equal(1, abortedRead.ExitCode);
        Assert.Contains("consumer 0: 2/40 p0-t7-0of1 of p0-t7", abortedRead.Details(), StringComparison.Ordinal);
        Assert.Equal(1, (clean with { Hanging = ["partition 3: last stable offset 10, high watermark 12"] }).ExitCode);
    }

    [Fact]
    public void FatalClientErrors_NoQuiesce_AndFaultsOnAnUnhealedCluster_EachFailTheRun()
    {
        var clean = new ChaosReport(10, 10, Clean, [], new FaultCounts(), []);
        ChaosReport[] failing =
        [
            clean with { FatalClientErrors = ["producer-0#1: Local_Fatal out of order sequence"] },
            clean with { Quiesced = false },
            clean with { Unhealed = ["fault #4 due at 00:01:00: not every broker registered"] },
        ];

        Assert.Equal(0, clean.ExitCode);
        Assert.Equal("moved=0 reordered=0 vanished=0 stalled=0 fatal=0 quiesced=yes unhealed=0", clean.DetailLine);
        Assert.All(failing, r => Assert.Equal(1, r.ExitCode));
        Assert.All(failing, r => Assert.NotEqual("", r.Details()));
        Assert.Equal("moved=0 reordered=0 vanished=0 stalled=0 fatal=1 quiesced=yes unhealed=0", failing[0].DetailLine);
    }

    [Fact]
    public void Divergent_CountsPartitions_AndFailsTheRun()
    {
        var report = new ChaosReport(1, 1, Clean, [new(2, 0, 1, 5, "x"), new(2, 0, 2, 5, "x"), new(3, 0, 1, 0, "y")], new FaultCounts(), []);

        Assert.Equal(2, report.Divergent);
        Assert.Equal(1, report.ExitCode);
    }

    [Fact]
    public void MovedRecord_FailsTheRun_ThoughNotOnTheFinalLine()
    {
        var acked = new AckedRecord("a", 0, 1, "p0-g0", 0, 0, s_t0);
        var report = new ChaosReport(1, 0, new HistoryVerdict([], [], [(acked, 0, 2)], [], []), [], new FaultCounts(), []);

        Assert.Contains("lost=0 duplicated=0 divergent=0", report.FinalLine, StringComparison.Ordinal);
        Assert.Equal("moved=1 reordered=0 vanished=0 stalled=0 fatal=0 quiesced=yes unhealed=0", report.DetailLine);
        Assert.Equal(1, report.ExitCode);
    }

    [Fact]
    public void Details_GroupLostRecordsByPartitionAndTheFaultAround_TheirAcknowledgement()
    {
        var kill = new InjectedFault(1, "kill", 2, false, s_t0.AddSeconds(10), s_t0.AddSeconds(15));
        var lost = new[] { 3L, 4, 5, 9 }.Select(o => new AckedRecord($"v{o}", 1, o, "p0-g0", o, o, s_t0.AddSeconds(12))).ToList();
        var report = new ChaosReport(10, 10, new HistoryVerdict(lost, [], [], [], []), [], new FaultCounts(), [kill]);

        Assert.Contains("lost in partition 1: 4 records at offsets 3-5,9, acknowledged during fault #1 kill of node 2", report.Details(), StringComparison.Ordinal);
        Assert.Equal("before the first fault (#1 kill of node 2 00:00:10.0-00:00:15.0)", report.FaultWindow(s_t0));
    }

    [Fact]
    public void Ranges_CompressesConsecutiveOffsets() =>
        Assert.Equal("0-2,5,7-8", ChaosReport.Ranges([8, 0, 1, 2, 5, 7]));
}
