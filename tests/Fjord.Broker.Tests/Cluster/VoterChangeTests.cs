using Fjord.Broker.Quorum;
using Fjord.Protocol.Errors;
using Fjord.Raft;

namespace Fjord.Broker.Tests.Cluster;

public sealed class VoterChangeTests
{
    // Raft ids are node id + 1: nodes 0 and 1 vote, nodes 2 and 3 are learners.
    private static readonly ConfState Membership = new([1, 2], [3, 4]);

    private static VoterChange Decide(VoterChange.Kind kind, int nodeId, StateRole role = StateRole.Leader, bool pending = false,
        ulong commit = 500, ulong learnerMatch = 500, ConfState? membership = null) =>
        VoterChange.Decide(kind, nodeId, role, membership ?? Membership, pending, commit,
            new Dictionary<ulong, ulong> { [1] = commit, [2] = commit, [3] = learnerMatch, [4] = learnerMatch });

    [Fact]
    public void Add_OfACaughtUpLearner_PromotesIt()
    {
        var change = Decide(VoterChange.Kind.Add, 2);
        Assert.Equal(ErrorCode.None, change.Error);
        Assert.Equal(new ConfChange(ConfChangeType.PromoteLearner, 3), change.Proposal);
    }

    [Fact]
    public void Add_OfALearnerWithinTheCatchUpLag_PromotesIt() =>
        Assert.NotNull(Decide(VoterChange.Kind.Add, 2, learnerMatch: 500 - VoterChange.MaxCatchUpLag).Proposal);

    [Fact]
    public void Add_OfALaggingLearner_IsRequestTimedOut()
    {
        var change = Decide(VoterChange.Kind.Add, 2, learnerMatch: 500 - VoterChange.MaxCatchUpLag - 1);
        Assert.Equal(ErrorCode.RequestTimedOut, change.Error);
        Assert.Null(change.Proposal);
        Assert.Contains("caught up", change.Message);
    }

    [Fact]
    public void Add_OfAVoter_IsDuplicateVoter() => Assert.Equal(ErrorCode.DuplicateVoter, Decide(VoterChange.Kind.Add, 1).Error);

    [Fact]
    public void Add_OfANodeThatNeverJoined_IsRequestTimedOut() => Assert.Equal(ErrorCode.RequestTimedOut, Decide(VoterChange.Kind.Add, 7).Error);

    [Fact]
    public void Add_WhileAnotherChangeIsUncommitted_IsRequestTimedOut()
    {
        var change = Decide(VoterChange.Kind.Add, 2, pending: true);
        Assert.Equal(ErrorCode.RequestTimedOut, change.Error);
        Assert.Contains("uncommitted", change.Message);
    }

    [Fact]
    public void Remove_OfAVoter_DemotesIt() =>
        Assert.Equal(new ConfChange(ConfChangeType.DemoteVoter, 2), Decide(VoterChange.Kind.Remove, 1).Proposal);

    [Fact]
    public void Remove_OfALearner_IsVoterNotFound() => Assert.Equal(ErrorCode.VoterNotFound, Decide(VoterChange.Kind.Remove, 2).Error);

    [Fact]
    public void Remove_OfTheLastVoter_IsInvalidRequest() =>
        Assert.Equal(ErrorCode.InvalidRequest, Decide(VoterChange.Kind.Remove, 0, membership: new ConfState([1], [2])).Error);

    [Fact]
    public void Remove_WhileAnotherChangeIsUncommitted_IsRequestTimedOut() =>
        Assert.Equal(ErrorCode.RequestTimedOut, Decide(VoterChange.Kind.Remove, 1, pending: true).Error);

    [Theory]
    [InlineData(StateRole.Follower)]
    [InlineData(StateRole.Candidate)]
    public void Either_OffTheLeader_IsNotLeaderOrFollower(StateRole role)
    {
        Assert.Equal(ErrorCode.NotLeaderOrFollower, Decide(VoterChange.Kind.Add, 2, role).Error);
        Assert.Equal(ErrorCode.NotLeaderOrFollower, Decide(VoterChange.Kind.Remove, 1, role).Error);
    }

    [Fact]
    public void IsDone_FollowsTheCommittedMembership()
    {
        Assert.True(VoterChange.IsDone(VoterChange.Kind.Add, 1, Membership));
        Assert.False(VoterChange.IsDone(VoterChange.Kind.Add, 2, Membership));
        Assert.True(VoterChange.IsDone(VoterChange.Kind.Remove, 2, Membership));
        Assert.False(VoterChange.IsDone(VoterChange.Kind.Remove, 0, Membership));
    }
}
