using Fjord.Operator.DesiredState;

namespace Fjord.Operator.Tests.DesiredState;

public class BrokerConfigClassifierTests
{
    [Theory]
    [InlineData("log.retention.ms", true)]
    [InlineData("min.insync.replicas", true)]
    [InlineData("leader.replication.throttled.rate", true)]
    [InlineData("num.partitions", false)]
    [InlineData("offsets.topic.replication.factor", false)]
    [InlineData("no.such.config", false)]
    public void IsDynamic_FollowsKafkasDynamicBrokerConfigs(string name, bool dynamic) =>
        Assert.Equal(dynamic, BrokerConfigClassifier.IsDynamic(name));

    [Fact]
    public void Split_NullConfig_GivesTwoEmptySets()
    {
        var (staticConfigs, dynamicConfigs) = BrokerConfigClassifier.Split(null);

        Assert.Empty(staticConfigs);
        Assert.Empty(dynamicConfigs);
    }

    [Fact]
    public void Split_PutsEachConfigOnItsSide()
    {
        var (staticConfigs, dynamicConfigs) = BrokerConfigClassifier.Split(new Dictionary<string, string>
        {
            ["num.partitions"] = "3",
            ["log.segment.bytes"] = "1048576",
        });

        Assert.Equal(["num.partitions"], staticConfigs.Keys);
        Assert.Equal(["log.segment.bytes"], dynamicConfigs.Keys);
    }
}
