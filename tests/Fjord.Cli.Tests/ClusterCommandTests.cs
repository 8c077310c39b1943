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
    public void Voters_OnOneBroker_ListItAsLeaderAndRefuseChangesWithKafkasErrors()
    {
        var text = FjordCli.Ok(FjordCli.Run(_bootstrap, "cluster", "voters", "list")).StandardOutput;
        Assert.Contains("Leader: 0", text);
        Assert.Contains("leader", text);
        var json = FjordCli.Json(FjordCli.Run(_bootstrap, "cluster", "voters", "list", "-o", "json"));
        Assert.Equal(0, json.GetProperty("leader").GetInt32());
        Assert.Equal([0], json.GetProperty("voters").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Empty(json.GetProperty("observers").EnumerateArray());

        var duplicate = FjordCli.Run(_bootstrap, "cluster", "voters", "add", "0");
        Assert.Equal(1, duplicate.ExitCode);
        Assert.Contains("DUPLICATE_VOTER", duplicate.StandardError);
        var notRunning = FjordCli.Run(_bootstrap, "cluster", "voters", "add", "5");
        Assert.Equal(1, notRunning.ExitCode);
        Assert.Contains("REQUEST_TIMED_OUT", notRunning.StandardError);
        var last = FjordCli.Run(_bootstrap, "cluster", "voters", "remove", "0");
        Assert.Equal(1, last.ExitCode);
        Assert.Contains("INVALID_REQUEST", last.StandardError);
        var unknown = FjordCli.Run(_bootstrap, "cluster", "voters", "remove", "7");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("VOTER_NOT_FOUND", unknown.StandardError);
        Assert.Equal(2, FjordCli.Run(_bootstrap, "cluster", "voters", "add", "x").ExitCode);
    }

    [Fact]
    public void ElectLeaders_OnOneBroker_NeedsNoElection()
    {
        var all = FjordCli.Ok(FjordCli.Run(_bootstrap, "cluster", "elect-leaders"));
        Assert.Contains("No election needed", all.StandardOutput);

        var topic = TestTopics.Unique("cli-elect");
        FjordCli.Ok(FjordCli.Run(_bootstrap, "topics", "create", topic, "--partitions", "2"));
        var text = FjordCli.Ok(FjordCli.Run(_bootstrap, "cluster", "elect-leaders", "--topic", topic)).StandardOutput;
        Assert.Contains("not-needed", text);
        var json = FjordCli.Json(FjordCli.Run(_bootstrap, "cluster", "elect-leaders", "--topic", topic, "--type", "unclean", "-o", "json"));
        Assert.Equal("unclean", json.GetProperty("election_type").GetString());
        var results = json.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.Equal("not-needed", r.GetProperty("result").GetString()));
    }

    [Fact]
    public void ElectLeaders_Errors_ExitWithTheirCodes()
    {
        var unknown = FjordCli.Run(_bootstrap, "cluster", "elect-leaders", "--topic", "no-such-topic-cli");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("unknown topic", unknown.StandardError);

        var partitionWithoutTopic = FjordCli.Run(_bootstrap, "cluster", "elect-leaders", "--partition", "0");
        Assert.Equal(2, partitionWithoutTopic.ExitCode);
        Assert.Equal(2, FjordCli.Run(_bootstrap, "cluster", "elect-leaders", "--type", "sideways").ExitCode);
        Assert.Equal(3, FjordCli.Run("127.0.0.1:1", "cluster", "elect-leaders").ExitCode);
    }

    [Fact]
    public void Reassign_OnOneBroker_AnswersAsKafkaDoesForOneBroker()
    {
        var topic = TestTopics.Unique("cli-reassign");
        FjordCli.Ok(FjordCli.Run(_bootstrap, "topics", "create", topic));

        // Onto the one broker it already lives on: accepted, nothing to move.
        FjordCli.Ok(FjordCli.Run(_bootstrap, "cluster", "reassign", "--topic", topic, "--partition", "0", "--replicas", "0"));

        var elsewhere = FjordCli.Run(_bootstrap, "cluster", "reassign", "--topic", topic, "--partition", "0", "--replicas", "0,5");
        Assert.Equal(1, elsewhere.ExitCode);
        Assert.Contains("broker 5, but no such broker is registered", elsewhere.StandardError);
        Assert.Contains("INVALID_REPLICA_ASSIGNMENT", elsewhere.StandardError);

        var cancel = FjordCli.Run(_bootstrap, "cluster", "reassign", "--topic", topic, "--partition", "0", "--cancel");
        Assert.Equal(1, cancel.ExitCode);
        Assert.Contains("NO_REASSIGNMENT_IN_PROGRESS", cancel.StandardError);

        var unknown = FjordCli.Run(_bootstrap, "cluster", "reassign", "--topic", topic, "--partition", "9", "--replicas", "0");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("UNKNOWN_TOPIC_OR_PARTITION", unknown.StandardError);

        Assert.Contains("No reassignments in progress", FjordCli.Ok(FjordCli.Run(_bootstrap, "cluster", "reassign", "--list")).StandardOutput);
        var json = FjordCli.Json(FjordCli.Run(_bootstrap, "cluster", "reassign", "--list", "--topic", topic, "-o", "json"));
        Assert.Empty(json.GetProperty("reassignments").EnumerateArray());
    }

    [Theory]
    [InlineData("--topic", "t", "--replicas", "0")]
    [InlineData("--topic", "t", "--partition", "0")]
    [InlineData("--topic", "t", "--partition", "0", "--replicas", "a,b")]
    [InlineData("--topic", "t", "--partition", "0", "--replicas", "1,1")]
    [InlineData("--topic", "t", "--partition", "0", "--replicas", "1", "--cancel")]
    [InlineData("--list", "--cancel")]
    [InlineData("--list", "--partition", "0")]
    public void Reassign_BadArguments_ExitTwo(params string[] args)
    {
        var result = FjordCli.Run(_bootstrap, ["cluster", "reassign", .. args]);
        Assert.True(result.ExitCode == 2, result.ToString());
    }

    [Fact]
    public void Reassign_UnreachableBroker_ExitsThree()
    {
        var result = FjordCli.Run("127.0.0.1:1", "cluster", "reassign", "--list");
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("cannot reach broker", result.StandardError);
    }
}
