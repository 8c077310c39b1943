using System.Collections.Immutable;
using Fjord.Broker.Replication;
using Fjord.Metadata;
using Fjord.Protocol.Errors;
using Fjord.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Fjord.Broker.Tests.Replication;

/// <summary>The leader's ISR decisions (KIP-497/KIP-841) over a fake clock; the log is only carried, offsets are passed in.</summary>
public sealed class LeaderPartitionStateTests : IDisposable
{
    private const int Leader = 0;
    private static readonly TimeSpan Lag = TimeSpan.FromMilliseconds(3000);
    private static readonly Guid TopicId = Guid.NewGuid();
    private readonly FakeTimeProvider _time = new();
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fjord-broker-tests", Guid.NewGuid().ToString("N"));
    private readonly PartitionLog _log;

    public LeaderPartitionStateTests()
    {
        _log = PartitionLog.Open(Path.Combine(_dir, "t-0"), LogConfig.Default);
    }

    public void Dispose()
    {
        _log.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private LeaderPartitionState Lead(int[] isr, int partitionEpoch = 5, long epochStartOffset = 0) =>
        new(new TopicPartition("t", 0), TopicId, _log, Leader, Registration(isr, partitionEpoch), epochStartOffset, Lag, _time);

    private static PartitionRegistration Registration(int[] isr, int partitionEpoch) =>
        new([0, 1, 2], [.. isr], [], [], Leader, LeaderEpoch: 3, partitionEpoch);

    private static AlterPartitionResult Accepted(int[] isr, int partitionEpoch) => new(TopicId, 0, ErrorCode.None, Leader, 3, isr, partitionEpoch);

    private static AlterPartitionResult Refused(ErrorCode error) => new(TopicId, 0, error, -1, -1, [], -1);

    [Fact]
    public void FollowerBehindHighWatermark_UntilAnsweredWithIt_ThenOnlyForAHigherOne()
    {
        var state = Lead([0, 1, 2]);

        Assert.True(state.FollowerBehindHighWatermark(1, 0), "a follower never answered has not seen any high watermark");
        state.HighWatermarkSent(1, 10);
        Assert.False(state.FollowerBehindHighWatermark(1, 10));
        Assert.True(state.FollowerBehindHighWatermark(1, 11));
        Assert.True(state.FollowerBehindHighWatermark(2, 10), "each follower has its own record");
        state.HighWatermarkSent(1, 5);
        Assert.False(state.FollowerBehindHighWatermark(1, 10), "an older answer never lowers what the follower was told");
        Assert.False(state.FollowerBehindHighWatermark(7, 10), "not a replica");
    }

    [Fact]
    public void TryShrink_MemberThatStoppedFetchingWhileTheLeaderGrew_ProposesTheIsrWithoutIt()
    {
        var state = Lead([0, 1, 2]);
        long leo = 0;
        for (var i = 0; i < 8; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(500));
            leo += 10;
            state.RecordFollowerFetch(1, leo, leo);
        }

        var change = state.TryShrink(leo);

        Assert.NotNull(change);
        Assert.False(change.IsExpand);
        Assert.Equal([0, 1], change.NewIsr.ToArray());
        Assert.Equal(3, change.LeaderEpoch);
        Assert.Equal(5, change.PartitionEpoch);
        Assert.Same(change, state.PendingChange);
    }

    [Fact]
    public void TryShrink_WithinTheLag_KeepsEveryMember()
    {
        var state = Lead([0, 1, 2]);
        _time.Advance(Lag);
        Assert.Null(state.TryShrink(leaderLogEndOffset: 100));
        Assert.Null(state.PendingChange);
    }

    [Fact]
    public void TryShrink_AfterTheLag_RemovesEveryLaggingFollowerButNeverTheLeader()
    {
        var state = Lead([0, 1, 2]);
        _time.Advance(Lag + TimeSpan.FromMilliseconds(1));
        Assert.Equal([Leader], state.TryShrink(leaderLogEndOffset: 100)!.NewIsr.ToArray());
    }

    [Fact]
    public void TryShrink_WhileAChangeIsPending_ProposesNothing()
    {
        var state = Lead([0, 1, 2]);
        _time.Advance(Lag + TimeSpan.FromMilliseconds(1));
        Assert.NotNull(state.TryShrink(100));
        Assert.Null(state.TryShrink(100));
    }

    [Fact]
    public void TryExpand_FollowerAtTheHighWatermarkAndEligible_ProposesTheIsrWithItAndCountsItForTheHighWatermark()
    {
        var state = Lead([0, 1]);
        state.RecordFollowerFetch(1, 40, 40);
        state.RecordFollowerFetch(2, 40, 40);

        var change = state.TryExpand(2, highWatermark: 40, _ => true);

        Assert.NotNull(change);
        Assert.True(change.IsExpand);
        Assert.Equal([0, 1, 2], change.NewIsr.ToArray());
        Assert.Equal([0, 1], state.Isr.ToArray());
        Assert.Equal([0, 1, 2], state.MaximalIsr.ToArray());
        state.RecordFollowerFetch(1, 50, 50);
        // The maximal ISR holds replica 2 back at 40 although the committed ISR would allow 50.
        Assert.Equal(40, state.CandidateHighWatermark(leaderLogEndOffset: 50));
    }

    [Fact]
    public void TryExpand_FollowerBelowTheHighWatermark_ProposesNothing()
    {
        var state = Lead([0, 1]);
        state.RecordFollowerFetch(2, 39, 45);
        Assert.Null(state.TryExpand(2, highWatermark: 40, _ => true));
    }

    [Fact]
    public void TryExpand_FollowerBelowTheEpochStartOffset_ProposesNothing()
    {
        var state = Lead([0, 1], epochStartOffset: 60);
        state.RecordFollowerFetch(2, 50, 70);
        Assert.Null(state.TryExpand(2, highWatermark: 50, _ => true));
    }

    [Fact]
    public void TryExpand_FencedOrShuttingDownBroker_ProposesNothing()
    {
        var state = Lead([0, 1]);
        state.RecordFollowerFetch(2, 40, 40);
        Assert.Null(state.TryExpand(2, highWatermark: 40, id => id != 2));
        Assert.Null(state.PendingChange);
    }

    [Fact]
    public void TryExpand_IsrMemberOrUnknownReplica_ProposesNothing()
    {
        var state = Lead([0, 1]);
        state.RecordFollowerFetch(1, 40, 40);
        Assert.Null(state.TryExpand(1, highWatermark: 40, _ => true));
        Assert.False(state.RecordFollowerFetch(7, 40, 40));
        Assert.Null(state.TryExpand(7, highWatermark: 40, _ => true));
    }

    [Fact]
    public void CompleteChange_Accepted_CommitsTheIsrAndPartitionEpoch()
    {
        var state = Lead([0, 1, 2]);
        _time.Advance(Lag + TimeSpan.FromMilliseconds(1));
        state.RecordFollowerFetch(1, 100, 100);
        var change = state.TryShrink(100)!;

        var (shrunk, expanded) = state.CompleteChange(change, Accepted([0, 1], 6));

        Assert.True(shrunk);
        Assert.False(expanded);
        Assert.Equal([0, 1], state.Isr.ToArray());
        Assert.Equal(6, state.PartitionEpoch);
        Assert.Null(state.PendingChange);
    }

    [Theory]
    [InlineData(ErrorCode.InvalidUpdateVersion)]
    [InlineData(ErrorCode.FencedLeaderEpoch)]
    [InlineData(ErrorCode.NewLeaderElected)]
    public void CompleteChange_StaleState_KeepsTheChangePendingUntilTheNextImage(ErrorCode error)
    {
        var state = Lead([0, 1]);
        state.RecordFollowerFetch(2, 40, 40);
        var change = state.TryExpand(2, 40, _ => true)!;

        state.CompleteChange(change, Refused(error));
        Assert.Same(change, state.PendingChange);
        Assert.Null(state.TryExpand(2, 40, _ => true));

        var (shrunk, expanded) = state.ApplyRegistration(Registration([0, 1, 2], partitionEpoch: 7));
        Assert.Null(state.PendingChange);
        Assert.Equal([0, 1, 2], state.Isr.ToArray());
        Assert.Equal(7, state.PartitionEpoch);
        Assert.False(shrunk);
        Assert.True(expanded);
    }

    [Theory]
    [InlineData(ErrorCode.IneligibleReplica)]
    [InlineData(ErrorCode.NotController)]
    [InlineData(ErrorCode.NetworkException)]
    public void CompleteChange_RetriableOrIneligible_DropsTheChangeSoItIsProposedAgain(ErrorCode error)
    {
        var state = Lead([0, 1]);
        state.RecordFollowerFetch(2, 40, 40);
        var change = state.TryExpand(2, 40, _ => true)!;

        Assert.Equal((false, false), state.CompleteChange(change, Refused(error)));

        Assert.Null(state.PendingChange);
        Assert.Equal([0, 1], state.Isr.ToArray());
        Assert.NotNull(state.TryExpand(2, 40, _ => true));
    }

    [Fact]
    public void CompleteChange_ForAChangeTheImageAlreadySuperseded_IsIgnored()
    {
        var state = Lead([0, 1]);
        state.RecordFollowerFetch(2, 40, 40);
        var change = state.TryExpand(2, 40, _ => true)!;
        state.ApplyRegistration(Registration([0], partitionEpoch: 6));

        Assert.Equal((false, false), state.CompleteChange(change, Accepted([0, 1, 2], 7)));
        Assert.Equal([0], state.Isr.ToArray());
        Assert.Equal(6, state.PartitionEpoch);
    }

    [Fact]
    public void ApplyRegistration_OlderThanAnAcceptedChange_IsIgnored()
    {
        var state = Lead([0, 1, 2]);
        _time.Advance(Lag + TimeSpan.FromMilliseconds(1));
        var change = state.TryShrink(100)!;
        state.CompleteChange(change, Accepted([0], 6));

        Assert.Equal((false, false), state.ApplyRegistration(Registration([0, 1, 2], partitionEpoch: 6)));
        Assert.Equal([0], state.Isr.ToArray());
    }

    [Fact]
    public void CandidateHighWatermark_MemberWithoutAFetchInThisEpoch_HoldsItBack()
    {
        var state = Lead([0, 1, 2]);
        state.RecordFollowerFetch(1, 30, 30);
        Assert.Null(state.CandidateHighWatermark(30));
        state.RecordFollowerFetch(2, 20, 30);
        Assert.Equal(20, state.CandidateHighWatermark(30));
    }

    [Fact]
    public void CandidateHighWatermark_WhileAShrinkIsPending_StillCountsTheMembersBeingRemoved()
    {
        var state = Lead([0, 1, 2]);
        state.RecordFollowerFetch(1, 30, 30);
        state.RecordFollowerFetch(2, 10, 10);
        _time.Advance(Lag + TimeSpan.FromMilliseconds(1));
        state.RecordFollowerFetch(1, 30, 30);
        var shrink = state.TryShrink(30)!;
        Assert.Equal([0, 1], shrink.NewIsr.ToArray());
        Assert.Equal(10, state.CandidateHighWatermark(30));

        state.CompleteChange(shrink, Accepted([0, 1], 6));
        Assert.Equal(30, state.CandidateHighWatermark(30));
    }

    [Fact]
    public void RecordFollowerFetch_BeyondTheLeaderLogEnd_IsNotCountedForTheHighWatermarkOrTheIsr()
    {
        var state = Lead([0, 1]);
        state.RecordFollowerFetch(1, 30, 30);

        // Replica 2 holds a suffix this leader never wrote (a former leader before truncation).
        Assert.True(state.RecordFollowerFetch(2, 45, 30));

        Assert.Equal(-1, state.FollowerLogEndOffset(2));
        Assert.Null(state.TryExpand(2, highWatermark: 30, _ => true));
        Assert.Equal(30, state.CandidateHighWatermark(30));
    }

    [Fact]
    public void CandidateHighWatermark_BelowTheEpochStartOffset_IsNotTaken()
    {
        var state = Lead([0, 1], epochStartOffset: 50);
        state.RecordFollowerFetch(1, 40, 60);
        Assert.Null(state.CandidateHighWatermark(60));
        state.RecordFollowerFetch(1, 55, 60);
        Assert.Equal(55, state.CandidateHighWatermark(60));
    }

    [Fact]
    public void ReadReplicaCandidates_OnlyIsrFollowersWhoseLogHoldsTheOffset()
    {
        var state = Lead([0, 1]);
        state.RecordFollowerFetch(1, 40, 40, followerLogStartOffset: 10);
        state.RecordFollowerFetch(2, 40, 40, followerLogStartOffset: 0);

        // Follower 2 holds the offset but is not in the ISR (KAFKA-14372).
        Assert.Equal([1], state.ReadReplicaCandidates(20).Select(c => c.BrokerId));
        Assert.Equal(40, Assert.Single(state.ReadReplicaCandidates(40)).LogEndOffset);
        Assert.Empty(state.ReadReplicaCandidates(41));
        Assert.Empty(state.ReadReplicaCandidates(9));
    }
}
