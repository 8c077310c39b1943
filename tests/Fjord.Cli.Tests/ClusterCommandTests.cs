using Fjord.Cli.Tests.Harness;

namespace Fjord.Cli.Tests;

[Collection(SharedBrokerCollection.Name)]
public sealed class ClusterCommandTests(BrokerFixture fixture)
{
    private readonly string _bootstrap = fixture.BootstrapServers;

    [Fact]
    public void Status_ShowsTheBrokerControllerAndHealthyPartitions()
    {
        var text = FjordCli.Ok(FjordCli.Run(_bootstrap, "cluster", "status")).StandardOutput;
        Assert.Contains("Controller: 0", text);
        Assert.Contains("Under-replicated partitions: 0", text);
        Assert.Contains("Offline partitions: 0", text);

        var json = FjordCli.Json(FjordCli.Run(_bootstrap, "cluster", "status", "-o", "json"));
        Assert.Equal(0, json.GetProperty("controller").GetInt32());
        var broker = Assert.Single(json.GetProperty("brokers").EnumerateArray());
        Assert.Equal(fixture.Broker.KafkaPort, broker.GetProperty("port").GetInt32());
        Assert.Empty(json.GetProperty("under_replicated_partitions").EnumerateArray());
        Assert.Empty(json.GetProperty("offline_partitions").EnumerateArray());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("cluster_id").GetString()));
    }

    [Fact]
    public void ElectLeaders_OnThisBroker_ExitsOneNotSupported()
    {
        var result = FjordCli.Run(_bootstrap, "cluster", "elect-leaders");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not supported by this broker", result.StandardError);
    }

    [Fact]
    public void Reassign_OnThisBroker_ExitsOneNotSupported()
    {
        var topic = TestTopics.Unique("cli-reassign");
        FjordCli.Ok(FjordCli.Run(_bootstrap, "topics", "create", topic));
        var result = FjordCli.Run(_bootstrap, "cluster", "reassign", "--topic", topic, "--partition", "0", "--replicas", "0");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not supported by this broker", result.StandardError);
    }
}
