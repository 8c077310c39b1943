using Fjord.Chaos.Checking;
using Fjord.Chaos.Workload;

namespace Fjord.Chaos.Tests;

public sealed class TransactionCheckerTests
{
    private static readonly DateTime s_at = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static TransactionAttempt Txn(int producer, long txn, int[] partitions, TransactionIntent intent = TransactionIntent.Commit,
        TransactionCallResult result = TransactionCallResult.Ok) =>
        new(producer, txn, $"p{producer}-g0", partitions, intent, result, null, s_at);

    private static string V(int producer, long txn, int index, int count) => new TransactionalValue(producer, txn, index, count).ToString();

    private static Dictionary<int, List<(long, string)>> Log(params (int Partition, long Offset, string Value)[] records) =>
        records.GroupBy(r => r.Partition).ToDictionary(g => g.Key, g => g.Select(r => (r.Offset, r.Value)).ToList());

    private static Dictionary<string, IReadOnlyList<ConsumedRecord>> Reads(params (int Partition, long Offset, string Value)[] records) =>
        new() { ["consumer 0"] = [.. records.Select(r => new ConsumedRecord(r.Partition, r.Offset, r.Value))] };

    private static readonly Dictionary<string, IReadOnlyList<ConsumedRecord>> s_noReads = [];

    [Fact]
    public void TransactionalValue_RoundTrips_AndRejectsOtherText()
    {
        var value = new TransactionalValue(2, 41, 3, 5);
        Assert.True(TransactionalValue.TryParse(value.ToString(), out var parsed));
        Assert.Equal(value, parsed);
        Assert.Equal("p2-t41", parsed.TransactionId);
        Assert.False(TransactionalValue.TryParse("p0-g0-12", out _));
        Assert.False(TransactionalValue.TryParse("p0-t1-5of5", out _));
        Assert.False(TransactionalValue.TryParse(null, out _));
    }

    [Fact]
    public void Check_CommittedWhollyVisible_AbortedInvisible_UnknownEitherWay_IsClean()
    {
        var verdict = TransactionChecker.Check(
            [Txn(0, 0, [0, 1]), Txn(0, 1, [0, 1], TransactionIntent.Abort), Txn(0, 2, [1, 0], result: TransactionCallResult.Unknown),
                Txn(1, 0, [1], result: TransactionCallResult.Unknown), Txn(1, 1, [0, 1], result: TransactionCallResult.Failed)],
            Reads((0, 0, V(0, 0, 0, 2)), (1, 0, V(0, 0, 1, 2)), (1, 4, V(0, 2, 0, 2))),
            Log((0, 0, V(0, 0, 0, 2)), (0, 5, V(0, 2, 1, 2)), (1, 0, V(0, 0, 1, 2)), (1, 4, V(0, 2, 0, 2))));

        Assert.True(verdict.IsClean, verdict.Counts);
        Assert.Equal((1, 2, 2, 7), (verdict.Committed, verdict.Aborted, verdict.Unknown, verdict.RecordsChecked));
    }

    [Fact]
    public void Check_ConsumerHandedARecordOfAnAbortedTransaction_IsAnAbortedRead()
    {
        var aborted = Txn(0, 0, [0], TransactionIntent.Abort);

        var verdict = TransactionChecker.Check([aborted], Reads((0, 0, V(0, 0, 0, 1))), Log());

        var read = Assert.Single(verdict.AbortedReads);
        Assert.Equal(("consumer 0", aborted), (read.Reader, read.Transaction));
        Assert.Single(verdict.Vanished);
    }

    [Fact]
    public void Check_RefusedCommitInTheFinalRead_IsAnAbortedRead()
    {
        var verdict = TransactionChecker.Check([Txn(0, 0, [0], result: TransactionCallResult.Failed)], s_noReads, Log((0, 0, V(0, 0, 0, 1))));

        Assert.Equal(TransactionChecker.FinalReader, Assert.Single(verdict.AbortedReads).Reader);
    }

    [Fact]
    public void Check_AcknowledgedCommitPartlyInTheFinalRead_IsAnIntermediateRead()
    {
        var verdict = TransactionChecker.Check([Txn(0, 0, [0, 1, 2])], s_noReads, Log((0, 0, V(0, 0, 0, 3)), (2, 0, V(0, 0, 2, 3))));

        Assert.Equal(2, Assert.Single(verdict.IntermediateReads).Visible);
        Assert.Empty(verdict.LostCommits);
    }

    [Fact]
    public void Check_AcknowledgedCommitAbsentFromTheFinalRead_IsLost()
    {
        var verdict = TransactionChecker.Check([Txn(0, 0, [0, 1]), Txn(0, 1, [0])], s_noReads, Log((0, 0, V(0, 1, 0, 1))));

        Assert.Equal("p0-t0", Assert.Single(verdict.LostCommits).TransactionId);
        Assert.Empty(verdict.IntermediateReads);
    }

    [Fact]
    public void Check_UnknownOutcomePartlyVisible_IsUnknownPartial()
    {
        var verdict = TransactionChecker.Check([Txn(0, 0, [0, 1], result: TransactionCallResult.Unknown)], s_noReads, Log((1, 3, V(0, 0, 1, 2))));

        Assert.Equal(1, Assert.Single(verdict.UnknownPartial).Visible);
        Assert.Equal(1, verdict.Unknown);
    }

    [Fact]
    public void Check_ValueTwiceInTheFinalRead_IsDuplicated()
    {
        var value = V(0, 0, 0, 1);

        var verdict = TransactionChecker.Check([Txn(0, 0, [0])], s_noReads, Log((0, 0, value), (0, 2, value)));

        var duplicate = Assert.Single(verdict.Duplicated);
        Assert.Equal([(0, 0L), (0, 2L)], duplicate.Positions);
    }

    [Fact]
    public void Check_ProducersLaterTransactionBeforeItsEarlierOneInAPartition_IsReordered()
    {
        var verdict = TransactionChecker.Check([Txn(0, 0, [0]), Txn(0, 1, [0]), Txn(1, 0, [0])], s_noReads,
            Log((0, 0, V(0, 1, 0, 1)), (0, 1, V(1, 0, 0, 1)), (0, 2, V(0, 0, 0, 1))));

        var reordered = Assert.Single(verdict.Reordered);
        Assert.Equal((V(0, 1, 0, 1), V(0, 0, 0, 1)), (reordered.Earlier.Value, reordered.Later.Value));
    }

    [Fact]
    public void Check_RecordsOfOneTransactionOutOfIndexOrderInAPartition_IsReordered()
    {
        var verdict = TransactionChecker.Check([Txn(0, 0, [0, 0])], s_noReads, Log((0, 0, V(0, 0, 1, 2)), (0, 1, V(0, 0, 0, 2))));

        Assert.Single(verdict.Reordered);
    }

    [Fact]
    public void Check_ConsumerSeesLaterTransactionWithoutTheEarlierCommittedOneInThatPartition_IsASkippedPredecessor()
    {
        // T0 and T1 of producer 0 both committed in partition 0; the consumer was handed T1 there but never T0.
        var verdict = TransactionChecker.Check([Txn(0, 0, [0, 1]), Txn(0, 1, [0])],
            Reads((1, 0, V(0, 0, 1, 2)), (0, 3, V(0, 1, 0, 1))),
            Log((0, 0, V(0, 0, 0, 2)), (0, 3, V(0, 1, 0, 1)), (1, 0, V(0, 0, 1, 2))));

        var skipped = Assert.Single(verdict.SkippedPredecessors);
        Assert.Equal(("consumer 0", 0, "p0-t1", "p0-t0"), skipped);
    }

    [Fact]
    public void Check_ConsumerSeesEarlierTransactionOnlyInAnotherPartition_IsNotASkippedPredecessor()
    {
        // Partitions are fetched independently: T1 in partition 1 before T0 in partition 0 is allowed.
        var verdict = TransactionChecker.Check([Txn(0, 0, [0]), Txn(0, 1, [1])],
            Reads((1, 0, V(0, 1, 0, 1)), (0, 0, V(0, 0, 0, 1))),
            Log((0, 0, V(0, 0, 0, 1)), (1, 0, V(0, 1, 0, 1))));

        Assert.True(verdict.IsClean, verdict.Counts);
    }

    [Fact]
    public void Check_ConsumedRecordGoneFromTheFinalRead_HasVanished()
    {
        var verdict = TransactionChecker.Check([Txn(0, 0, [0], result: TransactionCallResult.Unknown)], Reads((0, 0, V(0, 0, 0, 1))), Log());

        var gone = Assert.Single(verdict.Vanished);
        Assert.Null(gone.Now);
    }

    [Fact]
    public void Check_FencedProducersCommitReturnsOk_IsAZombieCommit_AndItsVisibleRecordsAreAbortedReads()
    {
        var zombie = Txn(0, 0, [0]) with { Fenced = true };

        var verdict = TransactionChecker.Check([zombie, Txn(0, 1, [0], result: TransactionCallResult.Failed) with { Fenced = true }], s_noReads, Log((0, 0, V(0, 0, 0, 1))));

        Assert.Equal(zombie, Assert.Single(verdict.ZombieCommits));
        Assert.Equal(zombie, Assert.Single(verdict.AbortedReads).Transaction);
        Assert.Empty(verdict.LostCommits);
        Assert.Equal((0, 2, 2), (verdict.Committed, verdict.Aborted, verdict.Fenced));
    }

    [Fact]
    public void Check_ValueNoTransactionWrote_IsForeign()
    {
        var verdict = TransactionChecker.Check([Txn(0, 0, [0])], s_noReads, Log((0, 0, V(0, 0, 0, 1)), (0, 1, "garbage"), (0, 2, V(3, 9, 0, 1))));

        Assert.Equal(2, verdict.Foreign.Count);
    }
}
