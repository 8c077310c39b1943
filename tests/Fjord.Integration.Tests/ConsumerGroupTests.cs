using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Harness;

namespace Fjord.Integration.Tests;

/// <summary>Consumer groups with kafka-python, Confluent.Kafka and kcat against a real broker process.</summary>
[Collection(SharedBrokerCollection.Name)]
public sealed class ConsumerGroupTests(BrokerFixture fixture)
{
    [Fact]
    public void KafkaPythonSeed_GroupMyGroup_ReadsWhatTheProducerWrote()
    {
        var topic = TestTopics.Unique("seed");
        var result = ExternalCommand.Python("kafka_python_group.py", "seed", fixture.BootstrapServers, topic, "200");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var report = JsonDocument.Parse(result.StandardOutput.Trim().Split('\n')[^1]);
        Assert.Equal(200, report.RootElement.GetProperty("consumed").GetInt32());
        Assert.Equal(200, report.RootElement.GetProperty("distinct").GetInt32());
    }

    [Fact]
    public async Task ThreeKafkaPythonMembers_GetDisjointCompleteAssignments_AndLeaversAndKilledMembersAreReplaced()
    {
        var topic = TestTopics.Unique("grp3");
        await CreateTopicAsync(topic, 6);
        var group = "g-" + topic;
        using var first = BackgroundCommand.Python("kafka_python_group.py", "member", fixture.BootstrapServers, topic, group, "120");
        using var second = BackgroundCommand.Python("kafka_python_group.py", "member", fixture.BootstrapServers, topic, group, "120");
        using var third = BackgroundCommand.Python("kafka_python_group.py", "member", fixture.BootstrapServers, topic, group, "120");

        Eventually.True(() => CoversAllDisjoint([first, second, third], 6), TimeSpan.FromSeconds(60),
            "three members hold disjoint, complete assignments: " + Describe(first, second, third));

        // SIGTERM: kafka-python's close() sends LeaveGroup, so the others rebalance at once.
        BrokerProcess.Signal(third.ProcessId, "INT");
        Eventually.True(() => third.HasExited && CoversAllDisjoint([first, second], 6), TimeSpan.FromSeconds(30),
            "the two remaining members took over the leaver's partitions: " + Describe(first, second, third));

        // kill -9: no LeaveGroup, so the coordinator must evict it after session.timeout.ms (6 s).
        second.Kill();
        Eventually.True(() => CoversAllDisjoint([first], 6), TimeSpan.FromSeconds(40),
            "the survivor took over the killed member's partitions: " + Describe(first, second));
    }

    [Theory]
    [InlineData("range")]
    [InlineData("cooperative-sticky")]
    public async Task ConfluentMembers_SplitPartitions_WithEachAssignor(string assignor)
    {
        var topic = TestTopics.Unique("cf-grp");
        await CreateTopicAsync(topic, 4);
        var group = "g-" + topic;
        var strategy = assignor == "range" ? PartitionAssignmentStrategy.Range : PartitionAssignmentStrategy.CooperativeSticky;
        using var a = NewConsumer(group, strategy, instanceId: null);
        using var b = NewConsumer(group, strategy, instanceId: null);
        a.Subscribe(topic);
        b.Subscribe(topic);
        Eventually.True(() =>
        {
            a.Consume(TimeSpan.FromMilliseconds(100));
            b.Consume(TimeSpan.FromMilliseconds(100));
            var assigned = a.Assignment.Concat(b.Assignment).Select(p => p.Partition.Value).ToList();
            return a.Assignment.Count > 0 && b.Assignment.Count > 0 && assigned.Count == 4 && assigned.Distinct().Count() == 4;
        }, TimeSpan.FromSeconds(60), $"{assignor}: both members hold disjoint parts of 4 partitions");
        a.Close();
        b.Close();
    }

    [Fact]
    public async Task StaticMember_RejoiningWithItsInstanceId_KeepsItsAssignmentWithoutARebalance()
    {
        var topic = TestTopics.Unique("static");
        await CreateTopicAsync(topic, 2);
        var group = "g-" + topic;
        var stay = NewConsumer(group, PartitionAssignmentStrategy.Range, instanceId: "stay");
        var bounce = NewConsumer(group, PartitionAssignmentStrategy.Range, instanceId: "bounce");
        stay.Subscribe(topic);
        bounce.Subscribe(topic);
        Eventually.True(() =>
        {
            stay.Consume(TimeSpan.FromMilliseconds(100));
            bounce.Consume(TimeSpan.FromMilliseconds(100));
            return stay.Assignment.Count == 1 && bounce.Assignment.Count == 1;
        }, TimeSpan.FromSeconds(60), "two static members with one partition each");
        var bouncedPartition = bounce.Assignment.Single();

        bounce.Close(); // a static member leaves no LeaveGroup behind
        bounce.Dispose();
        using var rejoined = NewConsumer(group, PartitionAssignmentStrategy.Range, instanceId: "bounce");
        rejoined.Subscribe(topic);
        Eventually.True(() =>
        {
            stay.Consume(TimeSpan.FromMilliseconds(100));
            rejoined.Consume(TimeSpan.FromMilliseconds(100));
            return rejoined.Assignment.Count == 1;
        }, TimeSpan.FromSeconds(30), "the static member got its partition back");
        Assert.Equal(bouncedPartition, rejoined.Assignment.Single());
        Assert.Single(stay.Assignment);
        stay.Dispose();
    }

    [Fact]
    public async Task AdminClient_ListsAndDescribesGroups_AndShowsCommittedOffsets()
    {
        var topic = TestTopics.Unique("adm-grp");
        await CreateTopicAsync(topic, 2);
        var group = "g-" + topic;
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = fixture.BootstrapServers }).Build())
        {
            for (var i = 0; i < 20; i++)
            {
                await producer.ProduceAsync(new TopicPartition(topic, i % 2), new Message<Null, string> { Value = i.ToString() });
            }
        }

        using var consumer = NewConsumer(group, PartitionAssignmentStrategy.Range, instanceId: null);
        consumer.Subscribe(topic);
        var consumed = 0;
        Eventually.True(() => { if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false }) { consumed++; } return consumed == 20; }, TimeSpan.FromSeconds(60), "the member consumed all 20 records");
        consumer.Commit();

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.BootstrapServers }).Build();
        var listed = await admin.ListConsumerGroupsAsync();
        Assert.Contains(listed.Valid, g => g.GroupId == group && g.State == ConsumerGroupState.Stable);

        var described = await admin.DescribeConsumerGroupsAsync([group]);
        var description = Assert.Single(described.ConsumerGroupDescriptions);
        Assert.Equal(ConsumerGroupState.Stable, description.State);
        var member = Assert.Single(description.Members);
        Assert.Equal(2, member.Assignment.TopicPartitions.Count);

        var offsets = await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, null)]);
        var committed = offsets.Single().Partitions;
        Assert.Equal(2, committed.Count);
        Assert.All(committed, p => Assert.Equal(10, p.Offset.Value));
        consumer.Close();
    }

    [Fact]
    public async Task Kcat_BalancedConsumer_ReadsEveryRecord()
    {
        var topic = TestTopics.Unique("kcat-g");
        await CreateTopicAsync(topic, 3);
        var produce = ExternalCommand.Run("kcat", ["-b", fixture.BootstrapServers, "-P", "-t", topic], string.Join('\n', Enumerable.Range(0, 300)) + "\n");
        Assert.True(produce.ExitCode == 0, produce.ToString());
        var consume = ExternalCommand.Run("kcat", ["-b", fixture.BootstrapServers, "-G", "g-" + topic, "-X", "auto.offset.reset=earliest", "-c", "300", "-f", "%s\n", topic], timeout: TimeSpan.FromSeconds(90));
        Assert.True(consume.ExitCode == 0, consume.ToString());
        var values = consume.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 300), values);
    }

    private static bool CoversAllDisjoint(BackgroundCommand[] members, int partitions)
    {
        var assignments = new List<int[]>();
        foreach (var member in members)
        {
            var line = member.LastLine(l => l.StartsWith("{\"assignment\"", StringComparison.Ordinal));
            if (line is null)
            {
                return false;
            }

            using var json = JsonDocument.Parse(line);
            assignments.Add(json.RootElement.GetProperty("assignment").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        }

        var all = assignments.SelectMany(a => a).ToList();
        return all.Count == partitions && all.Distinct().Count() == partitions && assignments.All(a => a.Length > 0);
    }

    private static string Describe(params BackgroundCommand[] members) =>
        string.Join(" | ", members.Select(m => string.Join(";", m.Lines.TakeLast(3))));

    private ConsumerConfig Config(string group, PartitionAssignmentStrategy strategy, string? instanceId) => new()
    {
        BootstrapServers = fixture.BootstrapServers,
        GroupId = group,
        GroupInstanceId = instanceId,
        PartitionAssignmentStrategy = strategy,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        SessionTimeoutMs = 10_000,
        HeartbeatIntervalMs = 500,
    };

    private IConsumer<Ignore, string> NewConsumer(string group, PartitionAssignmentStrategy strategy, string? instanceId) =>
        new ConsumerBuilder<Ignore, string>(Config(group, strategy, instanceId)).Build();

    private async Task CreateTopicAsync(string topic, int partitions)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
    }
}
