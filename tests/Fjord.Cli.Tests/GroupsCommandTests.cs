using Confluent.Kafka;
using Fjord.Cli.Tests.Harness;

namespace Fjord.Cli.Tests;

[Collection(SharedBrokerCollection.Name)]
public sealed class GroupsCommandTests(BrokerFixture fixture)
{
    private readonly string _bootstrap = fixture.BootstrapServers;

    [Fact]
    public void Group_ListDescribeResetDelete_ShowsCommittedOffsetsAndLag()
    {
        var topic = TestTopics.Unique("cli-grp");
        var group = TestTopics.Unique("cli-group");
        FjordCli.Ok(FjordCli.Run(_bootstrap, "topics", "create", topic, "-p", "2"));
        FjordCli.Ok(FjordCli.RunWithInput(_bootstrap, string.Join('\n', Enumerable.Range(0, 20).Select(i => $"{i}:v{i}")) + "\n", "produce", topic, "-K", ":"));
        FjordCli.Ok(FjordCli.Run(_bootstrap, "consume", topic, "--group", group, "--from-beginning", "-n", "20"));

        Assert.Contains(group, FjordCli.Ok(FjordCli.Run(_bootstrap, "groups", "list")).StandardOutput);
        var listed = FjordCli.Json(FjordCli.Run(_bootstrap, "groups", "list", "-o", "json"));
        Assert.Contains(listed.EnumerateArray(), g => g.GetProperty("group").GetString() == group);

        var described = FjordCli.Json(FjordCli.Run(_bootstrap, "groups", "describe", group, "-o", "json"));
        Assert.Equal(group, described.GetProperty("group").GetString());
        var rows = described.GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(20, rows.Sum(r => r.GetProperty("committed_offset").GetInt64()));
        Assert.Equal(20, rows.Sum(r => r.GetProperty("log_end_offset").GetInt64()));
        Assert.Equal(0, described.GetProperty("total_lag").GetInt64());
        Assert.Contains("LOG-END-OFFSET", FjordCli.Ok(FjordCli.Run(_bootstrap, "groups", "describe", group)).StandardOutput);

        var dryRun = FjordCli.Json(FjordCli.Run(_bootstrap, "groups", "reset-offsets", group, "--topic", topic, "--to-earliest", "-o", "json"));
        Assert.False(dryRun.GetProperty("executed").GetBoolean());
        Assert.Equal(0, FjordCli.Json(FjordCli.Run(_bootstrap, "groups", "describe", group, "-o", "json")).GetProperty("total_lag").GetInt64());

        FjordCli.Ok(FjordCli.Run(_bootstrap, "groups", "reset-offsets", group, "--topic", topic, "--to-earliest", "--execute"));
        Assert.Equal(20, FjordCli.Json(FjordCli.Run(_bootstrap, "groups", "describe", group, "-o", "json")).GetProperty("total_lag").GetInt64());

        FjordCli.Ok(FjordCli.Run(_bootstrap, "groups", "reset-offsets", group, "--topic", topic, "--shift-by", "3", "--execute"));
        Assert.Equal(14, FjordCli.Json(FjordCli.Run(_bootstrap, "groups", "describe", group, "-o", "json")).GetProperty("total_lag").GetInt64());

        FjordCli.Ok(FjordCli.Run(_bootstrap, "groups", "delete", group));
        var afterDelete = FjordCli.Run(_bootstrap, "groups", "describe", group);
        Assert.Equal(1, afterDelete.ExitCode);
        Assert.Contains($"unknown group '{group}'", afterDelete.StandardError);
    }

    [Fact]
    public void ListAndDescribe_ShowAConsumerProtocolGroupWithItsTypeAndTargetAssignment()
    {
        var topic = TestTopics.Unique("cli-kip848");
        var group = TestTopics.Unique("cli-kip848-group");
        FjordCli.Ok(FjordCli.Run(_bootstrap, "topics", "create", topic, "-p", "2"));
        FjordCli.Ok(FjordCli.RunWithInput(_bootstrap, string.Join('\n', Enumerable.Range(0, 10).Select(i => $"v{i}")) + "\n", "produce", topic));
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = _bootstrap,
            GroupId = group,
            GroupProtocol = GroupProtocol.Consumer,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(topic);
        var consumed = 0;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (consumed < 10 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false })
            {
                consumed++;
            }
        }

        Assert.True(consumed == 10, $"the consumer-protocol member consumed {consumed} of 10 records");
        consumer.Commit();

        var listed = FjordCli.Json(FjordCli.Run(_bootstrap, "groups", "list", "-o", "json"));
        var row = Assert.Single(listed.EnumerateArray(), g => g.GetProperty("group").GetString() == group);
        Assert.Equal("consumer", row.GetProperty("type").GetString());

        var described = FjordCli.Json(FjordCli.Run(_bootstrap, "groups", "describe", group, "-o", "json"));
        Assert.Equal("consumer", described.GetProperty("type").GetString());
        Assert.Equal("uniform", described.GetProperty("assignor").GetString());
        var member = Assert.Single(described.GetProperty("members").EnumerateArray());
        Assert.Equal(2, member.GetProperty("assignment").GetArrayLength());
        Assert.Equal(2, member.GetProperty("target_assignment").GetArrayLength());
        Assert.Equal("consumer", member.GetProperty("protocol").GetString());
        Assert.Equal(0, described.GetProperty("total_lag").GetInt64());
        var text = FjordCli.Ok(FjordCli.Run(_bootstrap, "groups", "describe", group)).StandardOutput;
        Assert.Contains("Type: consumer", text);
        consumer.Close();
    }

    [Fact]
    public void Describe_AGroupMidMigration_ShowsEachMembersProtocol()
    {
        var topic = TestTopics.Unique("cli-mixed");
        var group = TestTopics.Unique("cli-mixed-group");
        FjordCli.Ok(FjordCli.Run(_bootstrap, "topics", "create", topic, "-p", "4"));
        using var classic = new ConsumerBuilder<Ignore, string>(MemberConfig(group, GroupProtocol.Classic)).Build();
        classic.Subscribe(topic);
        Poll(() => classic.Assignment.Count == 4, "the classic member owns all 4 partitions", classic);

        using var modern = new ConsumerBuilder<Ignore, string>(MemberConfig(group, GroupProtocol.Consumer)).Build();
        modern.Subscribe(topic);
        Poll(() => classic.Assignment.Count == 2 && modern.Assignment.Count == 2, "the classic and the consumer member own 2 partitions each", classic, modern);

        var described = FjordCli.Json(FjordCli.Run(_bootstrap, "groups", "describe", group, "-o", "json"));
        Assert.Equal("consumer", described.GetProperty("type").GetString());
        var protocols = described.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("protocol").GetString()).Order().ToList();
        Assert.Equal(["classic", "consumer"], protocols);
        Assert.Contains("PROTOCOL", FjordCli.Ok(FjordCli.Run(_bootstrap, "groups", "describe", group)).StandardOutput);
        modern.Close();
        classic.Close();
    }

    private ConsumerConfig MemberConfig(string group, GroupProtocol protocol) => new()
    {
        BootstrapServers = _bootstrap,
        GroupId = group,
        GroupProtocol = protocol,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        SessionTimeoutMs = protocol == GroupProtocol.Classic ? 10_000 : null,
        HeartbeatIntervalMs = protocol == GroupProtocol.Classic ? 500 : null,
    };

    /// <summary>Polls every consumer until <paramref name="condition"/> holds, failing after 60 s with <paramref name="what"/>.</summary>
    private static void Poll(Func<bool> condition, string what, params IConsumer<Ignore, string>[] consumers)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, what + ": " + string.Join(" | ", consumers.Select(c => string.Join(",", c.Assignment.Select(p => p.Partition.Value)))));
            foreach (var consumer in consumers)
            {
                consumer.Consume(TimeSpan.FromMilliseconds(100));
            }
        }
    }

    [Fact]
    public void ResetOffsets_WithoutTarget_ExitsTwo()
    {
        var result = FjordCli.Run(_bootstrap, "groups", "reset-offsets", "g", "--topic", "t");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("exactly one of", result.StandardError);
    }

    [Fact]
    public void Delete_UnknownGroup_ExitsOne()
    {
        var result = FjordCli.Run(_bootstrap, "groups", "delete", "no-such-group-cli");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("fjord: error:", result.StandardError);
    }
}
