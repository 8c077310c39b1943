using Fjord.Broker.Configuration;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Tests.Cluster;

public sealed class ClusterVotersTests
{
    private const string ThreeVoters = "0@127.0.0.1:9093,1@127.0.0.1:9094,2@127.0.0.1:9095";

    private static BrokerConfig Config(int nodeId, string voters) =>
        BrokerConfig.Create(new Dictionary<string, string> { ["node.id"] = nodeId.ToString(System.Globalization.CultureInfo.InvariantCulture), ["voters"] = voters });

    [Fact]
    public void Of_WhenNodeIsNotAVoter_RunsAsALearnerWithTheSameClusterId()
    {
        var learnerVoters = ClusterVoters.Of(Config(3, ThreeVoters));
        var voterVoters = ClusterVoters.Of(Config(0, ThreeVoters));
        Assert.False(learnerVoters.Voters.ContainsKey(3));
        Assert.Equal(
            ControlPlane.ClusterIdentityOf(voterVoters, Config(0, ThreeVoters)).ClusterId,
            ControlPlane.ClusterIdentityOf(learnerVoters, Config(3, ThreeVoters)).ClusterId);
    }

    [Fact]
    public void Of_WhenTheSingleVoterIsAnotherNode_RunsAsALearnerWithTheVotersClusterId()
    {
        var voter = Config(0, "0@127.0.0.1:9093");
        var learner = Config(1, "0@127.0.0.1:9093");
        var learnerVoters = ClusterVoters.Of(learner);
        Assert.False(learnerVoters.Voters.ContainsKey(1));
        Assert.False(ControlPlane.KeepsRandomClusterId(learnerVoters, learner));
        Assert.False(ControlPlane.KeepsRandomClusterId(ClusterVoters.Of(voter), voter));
        Assert.Equal(ControlPlane.ClusterIdentityOf(ClusterVoters.Of(voter), voter).ClusterId,
            ControlPlane.ClusterIdentityOf(learnerVoters, learner).ClusterId);
    }

    [Fact]
    public void Of_WhenTheSingleVoterIsThisNode_IsAOneVoterQuorum()
    {
        var voters = ClusterVoters.Of(Config(0, "0@127.0.0.1:9093"));
        Assert.True(voters.IsSingleVoter);
        Assert.Equal([0], voters.Voters.Keys);
    }

    [Fact]
    public void Of_WithoutVoters_IsAOneVoterQuorumOfThisNodeOnItsRpcListener()
    {
        var config = BrokerConfig.Create(new Dictionary<string, string> { ["node.id"] = "4", ["rpc.listen"] = "127.0.0.1:19093" });
        var voters = ClusterVoters.Of(config);
        Assert.True(voters.IsSingleVoter);
        Assert.Equal("127.0.0.1:19093", voters.Voters[4].ToString());
        Assert.True(ControlPlane.KeepsRandomClusterId(voters, config));
    }

    [Fact]
    public void OffsetsTopicReplicationFactor_OfAOneVoterQuorum_Is1UnlessSetExplicitly()
    {
        var oneVoter = "0@127.0.0.1:9093";
        Assert.Equal(1, ControlPlane.OffsetsTopicReplicationFactorOf(Config(0, oneVoter), ClusterVoters.Of(Config(0, oneVoter))));
        Assert.Equal(3, ControlPlane.OffsetsTopicReplicationFactorOf(Config(0, ThreeVoters), ClusterVoters.Of(Config(0, ThreeVoters))));

        // An operator-made cluster may bootstrap with one voter and have three brokers: it says so explicitly.
        var explicitly = BrokerConfig.Create(new Dictionary<string, string>
        {
            ["node.id"] = "2", ["voters"] = oneVoter, ["offsets.topic.replication.factor"] = "3",
        });
        Assert.Equal(3, ControlPlane.OffsetsTopicReplicationFactorOf(explicitly, ClusterVoters.Of(explicitly)));
    }
}
