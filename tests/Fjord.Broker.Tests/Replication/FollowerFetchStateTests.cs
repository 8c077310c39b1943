using Fjord.Broker.Replication;
using Fjord.Replication;
using Microsoft.Extensions.Time.Testing;

namespace Fjord.Broker.Tests.Replication;

public sealed class FollowerFetchStateTests
{
    private static readonly TimeSpan Lag = TimeSpan.FromMilliseconds(3000);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void UpdateFetchState_AtLeaderLogEndOffset_IsCaughtUpNow()
    {
        var follower = new FollowerFetchState(inIsr: false, _time.GetTimestamp());
        _time.Advance(TimeSpan.FromSeconds(10));
        follower.UpdateFetchState(fetchOffset: 50, leaderLogEndOffset: 50, _time.GetTimestamp());

        Assert.True(follower.HasCaughtUp);
        Assert.Equal(_time.GetTimestamp(), follower.LastCaughtUpTimestamp);
        Assert.Equal(50, follower.LogEndOffset);
    }

    [Fact]
    public void UpdateFetchState_BehindNowButAtPreviousFetchLeaderEnd_IsCaughtUpAsOfThePreviousFetch()
    {
        var follower = new FollowerFetchState(inIsr: false, _time.GetTimestamp());
        follower.UpdateFetchState(fetchOffset: 10, leaderLogEndOffset: 40, _time.GetTimestamp());
        var previousFetch = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMilliseconds(400));

        // The leader appended more between the fetches; the follower reached what the leader had at the previous one.
        follower.UpdateFetchState(fetchOffset: 40, leaderLogEndOffset: 70, _time.GetTimestamp());

        Assert.True(follower.HasCaughtUp);
        Assert.Equal(previousFetch, follower.LastCaughtUpTimestamp);
    }

    [Fact]
    public void UpdateFetchState_FallingFurtherBehind_NotCaughtUpOnceTheLagPassed()
    {
        var follower = new FollowerFetchState(inIsr: true, _time.GetTimestamp());
        for (var i = 1; i <= 8; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(500));
            // Each fetch reaches less than the leader had at the previous fetch.
            follower.UpdateFetchState(fetchOffset: i * 10, leaderLogEndOffset: i * 100, _time.GetTimestamp());
        }

        Assert.False(follower.IsCaughtUp(leaderLogEndOffset: 800, _time.GetTimestamp(), Lag, _time));
    }

    [Fact]
    public void IsCaughtUp_InIsrMemberAtStart_HasTheWholeLagToFetch()
    {
        var follower = new FollowerFetchState(inIsr: true, _time.GetTimestamp());
        _time.Advance(Lag);
        Assert.True(follower.IsCaughtUp(leaderLogEndOffset: 5, _time.GetTimestamp(), Lag, _time));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(follower.IsCaughtUp(leaderLogEndOffset: 5, _time.GetTimestamp(), Lag, _time));
    }

    [Fact]
    public void IsCaughtUp_SilentFollowerAtTheLeaderLogEnd_StaysCaughtUp()
    {
        var follower = new FollowerFetchState(inIsr: true, _time.GetTimestamp());
        follower.UpdateFetchState(fetchOffset: 20, leaderLogEndOffset: 20, _time.GetTimestamp());
        _time.Advance(TimeSpan.FromMinutes(5));

        // Kafka's rule: nothing was written since, so the follower is not behind.
        Assert.True(follower.IsCaughtUp(leaderLogEndOffset: 20, _time.GetTimestamp(), Lag, _time));
        Assert.False(follower.IsCaughtUp(leaderLogEndOffset: 21, _time.GetTimestamp(), Lag, _time));
    }

    [Fact]
    public void IsCaughtUp_ReplicaOutsideTheIsrThatNeverFetched_IsNotCaughtUp()
    {
        var follower = new FollowerFetchState(inIsr: false, _time.GetTimestamp());
        Assert.False(follower.IsCaughtUp(leaderLogEndOffset: 0, _time.GetTimestamp(), Lag, _time));
        Assert.Equal(-1, follower.LogEndOffset);
    }
}
