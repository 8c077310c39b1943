using Fjord.Cli.Transactions;

namespace Fjord.Cli.Tests;

/// <summary>kafka-transactions.sh find-hanging's rule: which open transactions are candidates, and which of them hang.</summary>
public sealed class HangingTransactionsTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_maxTimeout = TimeSpan.FromMinutes(15);

    [Theory]
    [InlineData(-1, 60, false)]
    [InlineData(42, 14, false)]
    [InlineData(42, 15, true)]
    [InlineData(0, 60, true)]
    public void IsCandidate_OnlyOpenTransactionsIdleForTheMaximumTimeout(long startOffset, int minutesIdle, bool expected)
    {
        var lastTimestamp = (s_now - TimeSpan.FromMinutes(minutesIdle)).ToUnixTimeMilliseconds();

        Assert.Equal(expected, HangingTransactions.IsCandidate(startOffset, lastTimestamp, s_now, s_maxTimeout));
    }

    [Fact]
    public void IsHanging_NoTransactionalIdForTheProducer_Hangs() =>
        Assert.True(HangingTransactions.IsHanging(null, 7, 0, "orders", 0));

    [Fact]
    public void IsHanging_OngoingForTheSameProducerEpochAndPartition_DoesNotHang() =>
        Assert.False(HangingTransactions.IsHanging(View("Ongoing", 7, 3, ("orders", 0)), 7, 3, "orders", 0));

    [Theory]
    [InlineData("CompleteCommit", 7, 3, "orders", 0)]
    [InlineData("Empty", 7, 3, "orders", 0)]
    [InlineData("Ongoing", 8, 3, "orders", 0)]
    [InlineData("Ongoing", 7, 4, "orders", 0)]
    [InlineData("Ongoing", 7, 3, "orders", 1)]
    [InlineData("Ongoing", 7, 3, "payments", 0)]
    public void IsHanging_CoordinatorDoesNotAccountForIt_Hangs(string state, long producerId, int producerEpoch, string topic, int partition) =>
        Assert.True(HangingTransactions.IsHanging(View(state, producerId, producerEpoch, (topic, partition)), 7, 3, "orders", 0));

    private static TransactionView View(string state, long producerId, int producerEpoch, params (string Topic, int Partition)[] partitions) =>
        new(state, producerId, producerEpoch, partitions.ToHashSet());
}
