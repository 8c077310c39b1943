using Fjord.Operator.Reconciling;

namespace Fjord.Operator.Tests.Reconciling;

public class VoterPlannerTests
{
    private static ObservedQuorum Quorum(int[] voters, params (int Id, long Lag)[] observers) =>
        new(voters, observers.ToDictionary(o => o.Id, o => o.Lag));

    [Fact]
    public void AsAsked_NoChange()
    {
        Assert.Null(VoterPlanner.Next(3, Quorum([0, 1, 2], (3, 0)), out var waiting));
        Assert.Null(waiting);
    }

    [Fact]
    public void Growing_AddsTheLowestMissingCaughtUpObserver_OneAtATime()
    {
        Assert.Equal(new ChangeVoter(1, Add: true), VoterPlanner.Next(3, Quorum([0], (1, 0), (2, 0)), out _));
        Assert.Equal(new ChangeVoter(2, Add: true), VoterPlanner.Next(3, Quorum([0, 1], (2, 3)), out _));
    }

    [Fact]
    public void Growing_WaitsForAMissingNodeThatIsNotAnObserverOrTrails()
    {
        Assert.Null(VoterPlanner.Next(3, Quorum([0], (2, 0)), out var absent));
        Assert.Contains("broker 1", absent);
        Assert.Null(VoterPlanner.Next(3, Quorum([0], (1, VoterPlanner.CaughtUpLag + 1)), out var trailing));
        Assert.Contains("caught-up observer", trailing);
        Assert.Null(VoterPlanner.Next(3, Quorum([0], (1, -1)), out _));
    }

    [Fact]
    public void Shrinking_RemovesTheHighestExtraVoter()
    {
        Assert.Equal(new ChangeVoter(4, Add: false), VoterPlanner.Next(3, Quorum([0, 1, 2, 3, 4]), out _));
        Assert.Equal(new ChangeVoter(3, Add: false), VoterPlanner.Next(3, Quorum([0, 1, 2, 3], (4, 0)), out _));
    }

    [Fact]
    public void BothMissingAndExtra_GrowsFirst()
    {
        // e.g. voters {0, 2, 3} with controllers 3 (node 1 was removed by hand): add 1 before removing 3.
        Assert.Equal(new ChangeVoter(1, Add: true), VoterPlanner.Next(3, Quorum([0, 2, 3], (1, 0)), out _));
    }
}
