using Fjord.Broker.Cluster;
using Fjord.Broker.Configuration;

namespace Fjord.Broker.Tests.Cluster;

public sealed class ClusterVotersTests
{
    private const string ThreeVoters = "0@127.0.0.1:9093,1@127.0.0.1:9094,2@127.0.0.1:9095";

    private static BrokerConfig Config(int nodeId, string voters) =>
        BrokerConfig.Create(new Dictionary<string, string> { ["node.id"] = nodeId.ToString(System.Globalization.CultureInfo.InvariantCulture), ["voters"] = voters });

    [Fact]
    public void IsClusterMode_WhenNodeIsNotAVoter_RunsAsALearnerWithTheSameClusterId()
    {
        Assert.True(ClusterVoters.IsClusterMode(Config(3, ThreeVoters), out var learnerVoters));
        Assert.True(ClusterVoters.IsClusterMode(Config(0, ThreeVoters), out var voterVoters));
        Assert.False(learnerVoters!.Voters.ContainsKey(3));
        Assert.Equal(
            ClusterMode.ClusterIdentityOf(voterVoters!, Config(0, ThreeVoters)).ClusterId,
            ClusterMode.ClusterIdentityOf(learnerVoters, Config(3, ThreeVoters)).ClusterId);
    }

    [Fact]
    public void IsClusterMode_WhenTheSingleVoterIsAnotherNode_IsRefused()
    {
        var e = Assert.Throws<ConfigException>(() => ClusterVoters.IsClusterMode(Config(1, "0@127.0.0.1:9093"), out _));
        Assert.Contains("not the single voter", e.Message);
    }

    [Fact]
    public void IsClusterMode_WhenTheSingleVoterIsThisNode_KeepsTheSingleNodeBroker() =>
        Assert.False(ClusterVoters.IsClusterMode(Config(0, "0@127.0.0.1:9093"), out _));
}
