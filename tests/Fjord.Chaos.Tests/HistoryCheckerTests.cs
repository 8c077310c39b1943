using Fjord.Chaos.Checking;
using Fjord.Chaos.Workload;

namespace Fjord.Chaos.Tests;

public sealed class HistoryCheckerTests
{
    private static readonly DateTime s_at = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static AckedRecord Ack(string value, int partition, long offset, long produceIndex, string session = "p0-g0", long? ackSequence = null) =>
        new(value, partition, offset, session, produceIndex, ackSequence ?? produceIndex, s_at);

    private static Dictionary<int, List<(long, string)>> Log(params (int Partition, long Offset, string Value)[] records) =>
        records.GroupBy(r => r.Partition).ToDictionary(g => g.Key, g => g.Select(r => (r.Offset, r.Value)).ToList());

    [Fact]
    public void Check_EveryAckAtItsOffset_IsClean()
    {
        var verdict = HistoryChecker.Check(
            [Ack("a", 0, 0, 0), Ack("b", 0, 1, 1), Ack("c", 1, 0, 2)],
            [new ConsumedRecord(0, 0, "a"), new ConsumedRecord(1, 0, "c")],
            [],
            Log((0, 0, "a"), (0, 1, "b"), (0, 2, "unacknowledged"), (1, 0, "c")));

        Assert.True(verdict.IsClean);
    }

    [Fact]
    public void Check_AckedValueMissing_IsLost()
    {
        var verdict = HistoryChecker.Check([Ack("a", 0, 0, 0), Ack("b", 0, 1, 1)], [], [], Log((0, 0, "a"), (0, 1, "other")));

        Assert.Equal("b", Assert.Single(verdict.Lost).Value);
        Assert.Empty(verdict.Moved);
    }

    [Fact]
    public void Check_ValueTwiceInTheLog_IsDuplicated_EvenIfNeverAcknowledged()
    {
        var verdict = HistoryChecker.Check([Ack("a", 0, 0, 0)], [], [], Log((0, 0, "a"), (0, 1, "x"), (1, 0, "x")));

        var duplicate = Assert.Single(verdict.Duplicated);
        Assert.Equal("x", duplicate.Value);
        Assert.Equal([(0, 1L), (1, 0L)], duplicate.Positions);
    }

    [Fact]
    public void Check_AckedValueAtAnotherOffset_IsMoved()
    {
        var verdict = HistoryChecker.Check([Ack("a", 0, 5, 0)], [], [], Log((0, 7, "a")));

        var moved = Assert.Single(verdict.Moved);
        Assert.Equal((0, 7L), (moved.Partition, moved.Offset));
        Assert.Empty(verdict.Lost);
    }

    [Fact]
    public void Check_ProducedLaterButWrittenEarlier_IsReordered_ButOtherSessionsAreIndependent()
    {
        var verdict = HistoryChecker.Check(
            [Ack("a", 0, 3, 0), Ack("b", 0, 2, 1), Ack("c", 0, 1, 2, session: "p1-g0")],
            [], [],
            Log((0, 1, "c"), (0, 2, "b"), (0, 3, "a")));

        Assert.Equal("b", Assert.Single(verdict.Reordered).Value);
    }

    [Fact]
    public void Check_AcknowledgementsArrivingOutOfProduceOrder_AreClean_WhenTheLogKeepsProduceOrder()
    {
        // The chaos run that found this: librdkafka retried seq 749 after a paused leader timed out and reported
        // seq 750 first; the log held 748, 749, 750 in order — what the idempotent producer promises.
        var verdict = HistoryChecker.Check(
            [Ack("v748", 0, 2244, 748, ackSequence: 0), Ack("v750", 0, 2322, 750, ackSequence: 1), Ack("v749", 0, 2248, 749, ackSequence: 2)],
            [], [],
            Log((0, 2244, "v748"), (0, 2248, "v749"), (0, 2322, "v750")));

        Assert.True(verdict.IsClean);
    }

    [Fact]
    public void Check_ConsumedRecordReplacedOrGone_HasVanished()
    {
        var verdict = HistoryChecker.Check(
            [],
            [new ConsumedRecord(0, 0, "a"), new ConsumedRecord(0, 1, "b"), new ConsumedRecord(0, 2, "c")],
            [],
            Log((0, 0, "a"), (0, 1, "replaced")));

        Assert.Equal([(1L, "replaced"), (2L, null)], verdict.Vanished.Select(v => (v.Consumed.Offset, v.Now)));
    }

    [Fact]
    public void Check_TwoValuesConsumedAtOnePosition_TheOneNotInTheLogHasVanished()
    {
        var first = new ConsumedRecord(0, 0, "a");
        var second = new ConsumedRecord(0, 0, "b");

        var keptFirst = HistoryChecker.Check([], [first], [(first, second)], Log((0, 0, "a")));
        var keptSecond = HistoryChecker.Check([], [first], [(first, second)], Log((0, 0, "b")));
        var keptNeither = HistoryChecker.Check([], [first], [(first, second)], Log((0, 0, "c")));

        Assert.Equal("b", Assert.Single(keptFirst.Vanished).Consumed.Value);
        Assert.Equal("a", Assert.Single(keptSecond.Vanished).Consumed.Value);
        Assert.Equal(["a", "b"], keptNeither.Vanished.Select(v => v.Consumed.Value).Order());
    }
}
