using Fjord.Broker.Replication;

namespace Fjord.Broker.Tests.Replication;

/// <summary>KIP-392's rack matching over candidate followers (Kafka's RackAwareReplicaSelector and ReplicaView order).</summary>
public sealed class RackAwareReplicaSelectorTests
{
    private static readonly ReplicaView Leader = new(0, "a", LogEndOffset: 100, TimeSpan.Zero);

    [Fact]
    public void Select_FollowerInTheClientRack_PicksIt()
    {
        Assert.Equal(2, RackAwareReplicaSelector.Select("c", Leader, [View(1, "b"), View(2, "c")]));
    }

    [Fact]
    public void Select_LeaderInTheClientRack_KeepsTheLeader()
    {
        Assert.Equal(0, RackAwareReplicaSelector.Select("a", Leader, [View(1, "a"), View(2, "c")]));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("elsewhere")]
    public void Select_NoRackOrNoReplicaInIt_KeepsTheLeader(string? clientRack)
    {
        Assert.Equal(0, RackAwareReplicaSelector.Select(clientRack, Leader, [View(1, "b"), View(2, null)]));
    }

    [Fact]
    public void Select_SeveralFollowersInTheRack_PicksTheMostCaughtUp()
    {
        // Largest log end offset first, then the most recently caught up, then the larger broker id.
        Assert.Equal(1, RackAwareReplicaSelector.Select("b", Leader, [View(1, "b", leo: 90), View(2, "b", leo: 80)]));
        Assert.Equal(2, RackAwareReplicaSelector.Select("b", Leader, [View(1, "b", since: 300), View(2, "b", since: 20)]));
        Assert.Equal(3, RackAwareReplicaSelector.Select("b", Leader, [View(3, "b"), View(2, "b")]));
    }

    private static ReplicaView View(int id, string? rack, long leo = 100, int since = 0) => new(id, rack, leo, TimeSpan.FromMilliseconds(since));
}
