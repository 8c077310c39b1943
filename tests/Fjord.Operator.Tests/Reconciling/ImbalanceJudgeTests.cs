using Fjord.Operator.Reconciling;

namespace Fjord.Operator.Tests.Reconciling;

public class ImbalanceJudgeTests
{
    private static ProposedBalance Loads(int moves, params (int Replicas, long Bytes)[] brokers) =>
        new(brokers.Select((b, id) => new BrokerLoad(id, b.Replicas, b.Bytes)).ToList(), moves);

    [Fact]
    public void Exceeds_NewEmptyBroker_NamesIt()
    {
        var imbalance = ImbalanceJudge.Exceeds(Loads(4, (6, 0), (6, 0), (6, 0), (0, 0)), 10);

        Assert.NotNull(imbalance);
        Assert.StartsWith("broker 3 holds 0 replicas", imbalance, StringComparison.Ordinal);
    }

    [Fact]
    public void Exceeds_OneReplicaOffTheMean_IsBalancedEnough() =>
        Assert.Null(ImbalanceJudge.Exceeds(Loads(1, (2, 0), (2, 0), (2, 0), (2, 0), (1, 0)), 10));

    [Fact]
    public void Exceeds_BytesSkewedAboveTheMinimum_Counts()
    {
        const long gib = 1024L * 1024 * 1024;

        Assert.NotNull(ImbalanceJudge.Exceeds(Loads(2, (4, 3 * gib), (4, gib), (4, gib)), 10));
    }

    [Fact]
    public void Exceeds_BytesSkewedInAnAlmostEmptyCluster_DoNotCount() =>
        Assert.Null(ImbalanceJudge.Exceeds(Loads(2, (4, 3_000_000), (4, 1_000), (4, 1_000)), 10));

    [Fact]
    public void Exceeds_NoMoveProposed_IsNull() =>
        Assert.Null(ImbalanceJudge.Exceeds(Loads(0, (6, 0), (6, 0), (0, 0)), 10));
}
