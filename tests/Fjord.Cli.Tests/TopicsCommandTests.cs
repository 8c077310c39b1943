using Fjord.Cli.Tests.Harness;

namespace Fjord.Cli.Tests;

[Collection(SharedBrokerCollection.Name)]
public sealed class TopicsCommandTests(BrokerFixture fixture)
{
    private readonly string _bootstrap = fixture.BootstrapServers;

    [Fact]
    public void Create_ThenListAndDescribe_ShowPartitionsLeadersAndConfigs()
    {
        var topic = TestTopics.Unique("cli-topic");
        var created = FjordCli.Ok(FjordCli.Run(_bootstrap, "topics", "create", topic, "--partitions", "3", "--replication-factor", "1", "--config", "retention.ms=3600000"));
        Assert.Contains($"created topic '{topic}'", created.StandardError);

        var list = FjordCli.Ok(FjordCli.Run(_bootstrap, "topics", "list"));
        Assert.Contains(topic, list.StandardOutput);
        var listJson = FjordCli.Json(FjordCli.Run(_bootstrap, "topics", "list", "-o", "json"));
        var row = listJson.EnumerateArray().Single(t => t.GetProperty("name").GetString() == topic);
        Assert.Equal(3, row.GetProperty("partitions").GetInt32());
        Assert.Equal(1, row.GetProperty("replication_factor").GetInt32());

        var text = FjordCli.Ok(FjordCli.Run(_bootstrap, "topics", "describe", topic)).StandardOutput;
        Assert.Contains("PartitionCount: 3", text);
        Assert.Contains("retention.ms", text);
        Assert.Contains("ISR", text);

        var json = FjordCli.Json(FjordCli.Run(_bootstrap, "topics", "describe", topic, "-o", "json"))[0];
        Assert.Equal(topic, json.GetProperty("name").GetString());
        var partitions = json.GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], partitions.Select(p => p.GetProperty("partition").GetInt32()));
        Assert.All(partitions, p =>
        {
            Assert.Equal(0, p.GetProperty("leader").GetInt32());
            Assert.Equal([0], p.GetProperty("isr").EnumerateArray().Select(i => i.GetInt32()));
        });
        var retention = json.GetProperty("configs").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "retention.ms");
        Assert.Equal("3600000", retention.GetProperty("value").GetString());
    }

    [Fact]
    public void Alter_AddsPartitionsSetsAndDeletesConfigs()
    {
        var topic = TestTopics.Unique("cli-alter");
        FjordCli.Ok(FjordCli.Run(_bootstrap, "topics", "create", topic, "-p", "1"));
        FjordCli.Ok(FjordCli.Run(_bootstrap, "topics", "alter", topic, "--partitions", "4", "--config", "cleanup.policy=compact"));
        var json = FjordCli.Json(FjordCli.Run(_bootstrap, "topics", "describe", topic, "-o", "json"))[0];
        Assert.Equal(4, json.GetProperty("partition_count").GetInt32());
        Assert.Equal("compact", ConfigValue(json, "cleanup.policy"));

        FjordCli.Ok(FjordCli.Run(_bootstrap, "topics", "alter", topic, "--delete-config", "cleanup.policy"));
        json = FjordCli.Json(FjordCli.Run(_bootstrap, "topics", "describe", topic, "-o", "json"))[0];
        Assert.Equal("delete", ConfigValue(json, "cleanup.policy"));
    }

    [Fact]
    public void Alter_InvalidConfig_ExitsOneWithBrokerError()
    {
        var topic = TestTopics.Unique("cli-badcfg");
        FjordCli.Ok(FjordCli.Run(_bootstrap, "topics", "create", topic));
        var result = FjordCli.Run(_bootstrap, "topics", "alter", topic, "--config", "no.such.config=1");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("fjord: error:", result.StandardError);
    }

    [Fact]
    public void Create_WhenTopicExists_ExitsOneUnlessIfNotExists()
    {
        var topic = TestTopics.Unique("cli-dup");
        FjordCli.Ok(FjordCli.Run(_bootstrap, "topics", "create", topic));
        var again = FjordCli.Run(_bootstrap, "topics", "create", topic);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("TopicAlreadyExists", again.StandardError);
        FjordCli.Ok(FjordCli.Run(_bootstrap, "topics", "create", topic, "--if-not-exists"));
    }

    [Fact]
    public void Delete_RemovesTopic_ThenDescribeExitsOne()
    {
        var topic = TestTopics.Unique("cli-del");
        FjordCli.Ok(FjordCli.Run(_bootstrap, "topics", "create", topic));
        FjordCli.Ok(FjordCli.Run(_bootstrap, "topics", "delete", topic));
        Eventually.True(
            () => !FjordCli.Run(_bootstrap, "topics", "list").StandardOutput.Contains(topic),
            TimeSpan.FromSeconds(20),
            "the deleted topic disappears from `topics list`");
        Assert.Equal(1, FjordCli.Run(_bootstrap, "topics", "delete", topic).ExitCode);
        FjordCli.Ok(FjordCli.Run(_bootstrap, "topics", "delete", topic, "--if-exists"));
    }

    [Fact]
    public void Describe_UnknownTopic_ExitsOneWithOneLineError()
    {
        var result = FjordCli.Run(_bootstrap, "topics", "describe", "no-such-topic-cli");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("fjord: error: unknown topic 'no-such-topic-cli'", result.StandardError.Trim());
        Assert.Equal(string.Empty, result.StandardOutput);
    }

    private static string? ConfigValue(System.Text.Json.JsonElement topic, string name) =>
        topic.GetProperty("configs").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name).GetProperty("value").GetString();
}
