using Fjord.Storage;

namespace Fjord.Storage.Tests;

public sealed class ThrottledReplicaListTests
{
    [Fact]
    public void Parse_PartitionBrokerPairs_ContainsExactlyThem()
    {
        var list = ThrottledReplicaList.Parse("k", "0:1, 2:3");

        Assert.True(list.Contains(0, 1));
        Assert.True(list.Contains(2, 3));
        Assert.False(list.Contains(0, 3));
        Assert.False(list.All);
    }

    [Fact]
    public void Parse_Wildcard_ContainsEveryReplica()
    {
        var list = ThrottledReplicaList.Parse("k", "*");

        Assert.True(list.All);
        Assert.True(list.Contains(7, 42));
    }

    [Fact]
    public void Parse_Empty_IsNone()
    {
        Assert.Same(ThrottledReplicaList.None, ThrottledReplicaList.Parse("k", " "));
        Assert.False(ThrottledReplicaList.None.Contains(0, 0));
    }

    [Theory]
    [InlineData("0-1")]
    [InlineData("0:1,")]
    [InlineData("a:1")]
    [InlineData("0:1:2")]
    [InlineData("-1:2")]
    public void Parse_Malformed_ThrowsNamingTheKey(string value)
    {
        var e = Assert.Throws<LogConfigException>(() => ThrottledReplicaList.Parse(LogConfig.LeaderReplicationThrottledReplicasName, value));

        Assert.Equal(LogConfig.LeaderReplicationThrottledReplicasName, e.Key);
    }

    [Fact]
    public void FromProperties_ThrottledReplicas_RoundTripsThroughToProperties()
    {
        var config = LogConfig.FromProperties(new Dictionary<string, string>
        {
            [LogConfig.LeaderReplicationThrottledReplicasName] = "0:0,0:1",
            [LogConfig.FollowerReplicationThrottledReplicasName] = "*",
        });

        Assert.True(config.LeaderReplicationThrottledReplicas.Contains(0, 1));
        Assert.True(config.FollowerReplicationThrottledReplicas.All);
        Assert.Equal(config, LogConfig.FromProperties(config.ToProperties()));
        Assert.NotEqual(config, LogConfig.Default);
    }
}
