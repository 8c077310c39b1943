using Fjord.Operator.Topics;
using static Fjord.Operator.Tests.Topics.TopicTestData;

namespace Fjord.Operator.Tests.Topics;

public class ReplicaPlacementTests
{
    [Fact]
    public void Targets_Growing_KeepsCurrentReplicasAndPrefersANewRackThenTheLeastLoaded()
    {
        var brokers = new List<TopicBroker> { new(0, "a", false, 5), new(1, "a", false, 0), new(2, "b", false, 9), new(3, "b", false, 1) };

        var targets = ReplicaPlacement.Targets(Topic(partitions: 1, replicationFactor: 1, brokers: 1), brokers, 2)!;

        Assert.Equal([0, 3], targets[0]);
    }

    [Fact]
    public void Targets_GrowingManyPartitions_SpreadsNewReplicasByPlannedLoad()
    {
        var brokers = Enumerable.Range(0, 4).Select(i => new TopicBroker(i, null, false, 0)).ToList();
        var topic = Topic(partitions: 4, replicationFactor: 1, brokers: 1);

        var targets = ReplicaPlacement.Targets(topic, brokers, 2)!;

        Assert.Equal([1, 2, 3, 1], targets.OrderBy(t => t.Key).Select(t => t.Value[1]));
    }

    [Fact]
    public void Targets_Shrinking_DropsFencedReplicasFirstAndNeverTheLeader()
    {
        var brokers = new List<TopicBroker> { new(0, null, false, 1), new(1, null, true, 1), new(2, null, false, 1) };
        var topic = new ObservedTopic("t", "id", [new ObservedPartition(0, 2, [0, 1, 2], [0, 2], [], [])], new Dictionary<string, string>());

        var targets = ReplicaPlacement.Targets(topic, brokers, 1)!;

        Assert.Equal([2], targets[0]);
    }

    [Fact]
    public void Targets_NotEnoughUnfencedBrokers_IsNull()
    {
        var brokers = new List<TopicBroker> { new(0, null, false, 0), new(1, null, true, 0) };

        Assert.Null(ReplicaPlacement.Targets(Topic(partitions: 1, replicationFactor: 1, brokers: 1), brokers, 2));
    }

    [Fact]
    public void Targets_PartitionsAlreadyAtTheFactor_AreLeftOut()
    {
        var brokers = Enumerable.Range(0, 3).Select(i => new TopicBroker(i, null, false, 0)).ToList();
        var topic = new ObservedTopic("t", "id",
            [new ObservedPartition(0, 0, [0, 1], [0, 1], [], []), new ObservedPartition(1, 1, [1], [1], [], [])], new Dictionary<string, string>());

        Assert.Equal([1], ReplicaPlacement.Targets(topic, brokers, 2)!.Keys);
    }
}
