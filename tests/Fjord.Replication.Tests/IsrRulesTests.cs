namespace Fjord.Replication.Tests;

public sealed class IsrRulesTests
{
    private static readonly TimeProvider Milliseconds = new Simulation.SimulatedClock();

    [Fact]
    public void CandidateHighWatermark_IsTheSlowestIsrMember_AndNullBeforeEveryMemberFetched()
    {
        var followers = new Dictionary<int, FollowerFetchState> { [1] = new(inIsr: true, now: 0), [2] = new(inIsr: true, now: 0) };
        Assert.Null(IsrRules.CandidateHighWatermark(0, 10, 0, [0, 1, 2], followers));

        followers[1].UpdateFetchState(7, 10, 5);
        followers[2].UpdateFetchState(4, 10, 5);
        Assert.Equal(4, IsrRules.CandidateHighWatermark(0, 10, 0, [0, 1, 2], followers));
        Assert.Equal(7, IsrRules.CandidateHighWatermark(0, 10, 0, [0, 1], followers));
    }

    [Fact]
    public void CandidateHighWatermark_BelowTheEpochStartOffset_IsNull() =>
        Assert.Null(IsrRules.CandidateHighWatermark(0, 10, 8, [0, 1], new Dictionary<int, FollowerFetchState> { [1] = Fetched(5) }));

    [Theory]
    [InlineData(10, 10, 0, true, true)]
    [InlineData(9, 10, 0, true, false)]
    [InlineData(10, 10, 11, true, false)]
    [InlineData(10, 10, 0, false, false)]
    public void MayJoinIsr_NeedsTheHighWatermarkTheEpochStartAndAnEligibleBroker(long leo, long hw, long epochStart, bool eligible, bool expected) =>
        Assert.Equal(expected, IsrRules.MayJoinIsr(leo, hw, epochStart, eligible));

    [Fact]
    public void IsInSync_ALaggingFollowerPastTheLagTime_IsOutOfSync_TheLeaderNever()
    {
        var followers = new Dictionary<int, FollowerFetchState> { [1] = new(inIsr: true, now: 0) };
        followers[1].UpdateFetchState(3, 10, 0);
        Assert.True(IsrRules.IsInSync(1, 0, 10, followers, 100, TimeSpan.FromMilliseconds(300), Milliseconds));
        Assert.False(IsrRules.IsInSync(1, 0, 10, followers, 400, TimeSpan.FromMilliseconds(300), Milliseconds));
        Assert.True(IsrRules.IsInSync(0, 0, 10, followers, 400, TimeSpan.FromMilliseconds(300), Milliseconds));
    }

    private static FollowerFetchState Fetched(long offset)
    {
        var state = new FollowerFetchState(inIsr: true, now: 0);
        state.UpdateFetchState(offset, offset, 0);
        return state;
    }
}
