using Fjord.Broker.Replication;

namespace Fjord.Broker.Tests;

public sealed class FollowerTruncationTests
{
    [Fact]
    public void DivergingEpoch_BothKnowTheEpoch_TruncatesToTheSmallerEndOffset()
    {
        // A former leader wrote 100-149 in epoch 0; the new leader's epoch 0 ends at 100.
        Assert.Equal(100, FollowerTruncation.ForDivergingEpoch(leaderEpoch: 0, leaderEndOffset: 100, localEpoch: 0, localEndOffset: 150, logEndOffset: 150));
        // Our epoch 2 ended earlier than the leader's (we then wrote in epoch 3 the leader never saw).
        Assert.Equal(80, FollowerTruncation.ForDivergingEpoch(leaderEpoch: 2, leaderEndOffset: 90, localEpoch: 2, localEndOffset: 80, logEndOffset: 120));
    }

    [Fact]
    public void DivergingEpoch_OurLargestEpochBelowItIsOlder_TruncatesToOurEndOfThatEpoch()
    {
        // The leader answers epoch 4, which we never had; our epoch 3 (the largest at or below 4) ends at 70.
        Assert.Equal(70, FollowerTruncation.ForDivergingEpoch(leaderEpoch: 4, leaderEndOffset: 95, localEpoch: 3, localEndOffset: 70, logEndOffset: 110));
    }

    [Fact]
    public void DivergingEpoch_NoLocalEpochAtOrBelow_TruncatesToTheLeadersEndOffset_NeverPastOurEnd()
    {
        Assert.Equal(40, FollowerTruncation.ForDivergingEpoch(leaderEpoch: 1, leaderEndOffset: 40, localEpoch: -1, localEndOffset: -1, logEndOffset: 60));
        Assert.Equal(30, FollowerTruncation.ForDivergingEpoch(leaderEpoch: 1, leaderEndOffset: 40, localEpoch: -1, localEndOffset: -1, logEndOffset: 30));
        Assert.Equal(30, FollowerTruncation.ForDivergingEpoch(leaderEpoch: 1, leaderEndOffset: 40, localEpoch: 1, localEndOffset: 35, logEndOffset: 30));
    }

    [Theory]
    [InlineData(50, 100, 120, OutOfRangeAction.TruncateFullyAndStartAt, 100)] // below the leader's log start
    [InlineData(150, 0, 100, OutOfRangeAction.TruncateTo, 100)]               // above the leader's log
    [InlineData(80, 0, 100, OutOfRangeAction.Retry, 80)]                      // inside it: nothing safe to cut
    [InlineData(80, -1, -1, OutOfRangeAction.Retry, 80)]                      // a leader that sent no offsets
    public void OutOfRange_PicksKafkasCase(long logEndOffset, long leaderLogStart, long leaderHighWatermark, OutOfRangeAction action, long offset) =>
        Assert.Equal((action, offset), FollowerTruncation.ForOutOfRange(logEndOffset, leaderLogStart, leaderHighWatermark));
}
