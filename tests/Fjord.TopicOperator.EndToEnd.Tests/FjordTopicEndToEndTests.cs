using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Xunit.Abstractions;

namespace Fjord.TopicOperator.EndToEnd.Tests;

/// <summary>
/// FjordTopics applied with the real kubectl to a kube-local FjordCluster, reconciled by the operator process, and
/// checked with the real Confluent.Kafka client (and the `fjord` CLI for a change made behind the operator's back).
/// </summary>
[Collection(KubeLocalCluster.Collection)]
public sealed class FjordTopicEndToEndTests : IClassFixture<TopicOperatorEnvironment>
{
    private readonly TopicOperatorEnvironment _env;
    private readonly ITestOutputHelper _output;

    public FjordTopicEndToEndTests(TopicOperatorEnvironment env, ITestOutputHelper output)
    {
        _env = env;
        _output = output;
    }

    [Fact]
    public void Apply_BecomesReadyWithThePartitionsReplicasAndConfigsKafkaDescribes()
    {
        var elapsed = _env.ApplyUntilReady("payments", TopicOperatorEnvironment.TopicManifest("payments", 3,
            config: new Dictionary<string, string> { ["retention.ms"] = "3600000", ["cleanup.policy"] = "compact" }));
        _output.WriteLine($"apply → Ready, one topic: {elapsed.TotalMilliseconds:F0} ms");

        var metadata = _env.KafkaTopic("payments");
        Assert.NotNull(metadata);
        Assert.Equal(3, metadata.Partitions.Count);
        Assert.All(metadata.Partitions, p => Assert.Single(p.Replicas));
        var configs = _env.KafkaTopicConfigs("payments");
        Assert.Equal(("3600000", "compact"), (configs["retention.ms"], configs["cleanup.policy"]));
        var status = _env.FjordTopic("payments")!.Value.GetProperty("status");
        Assert.Equal(3, status.GetProperty("partitionCount").GetInt32());
        Assert.Equal(1, status.GetProperty("replicationFactor").GetInt32());
        Assert.Equal(3, status.GetProperty("partitions").GetArrayLength());
        Assert.False(string.IsNullOrEmpty(status.GetProperty("topicId").GetString()));
        Assert.Contains(TopicFinalizerName, _env.FjordTopic("payments")!.Value.GetProperty("metadata").GetProperty("finalizers")
            .EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public void Grow_From3To6Partitions()
    {
        _env.ApplyUntilReady("grow", TopicOperatorEnvironment.TopicManifest("grow", 3));

        _env.ApplyUntilReady("grow", TopicOperatorEnvironment.TopicManifest("grow", 6));

        Assert.Equal(6, _env.KafkaTopic("grow")!.Partitions.Count);
    }

    [Fact]
    public void Shrink_SetsPartitionsCannotShrinkAndChangesNothing()
    {
        _env.ApplyUntilReady("shrink", TopicOperatorEnvironment.TopicManifest("shrink", 4));

        _env.Apply(TopicOperatorEnvironment.TopicManifest("shrink", 2));
        var topic = _env.WaitForReason("shrink", "PartitionsCannotShrink");

        Assert.Equal(4, _env.KafkaTopic("shrink")!.Partitions.Count);
        Assert.Equal(4, topic.GetProperty("status").GetProperty("partitionCount").GetInt32());
    }

    [Fact]
    public void ConfigAlteredWithTheFjordCli_IsPutBackToTheSpecWithAnEvent()
    {
        _env.ApplyUntilReady("drift", TopicOperatorEnvironment.TopicManifest("drift", 1,
            config: new Dictionary<string, string> { ["retention.ms"] = "3600000" }));

        var alter = _env.Fjord("topics", "alter", "drift", "--config", "retention.ms=1000", "--config", "segment.ms=60000");
        Assert.True(alter.ExitCode == 0, $"fjord topics alter: {alter}");

        Eventually.True(() => _env.KafkaTopicConfigs("drift") is var c && c["retention.ms"] == "3600000" && c["segment.ms"] == "604800000",
            TimeSpan.FromSeconds(90), () => $"retention.ms back to 3600000 and segment.ms back to its default: {string.Join(", ", _env.KafkaTopicConfigs("drift"))}\n--- operator\n{_env.Operator.Output}");
        Eventually.True(() => _env.Events("drift").Any(e => e.StartsWith("DriftCorrected:", StringComparison.Ordinal)), TimeSpan.FromSeconds(30),
            () => $"a DriftCorrected event: {string.Join("\n", _env.Events("drift"))}");

        // The same drift again is the same Event counted twice (client-go's aggregation), not a second Event.
        alter = _env.Fjord("topics", "alter", "drift", "--config", "retention.ms=1000", "--config", "segment.ms=60000");
        Assert.True(alter.ExitCode == 0, $"fjord topics alter: {alter}");
        Eventually.True(() => _env.EventCounts("drift").Where(e => e.Reason == "DriftCorrected").Select(e => e.Count).SequenceEqual([2]),
            TimeSpan.FromSeconds(90), () => $"one DriftCorrected event with count 2: {string.Join(", ", _env.EventCounts("drift"))}\n--- operator\n{_env.Operator.Output}");
        _output.WriteLine(string.Join("\n", _env.Events("drift")));
    }

    [Fact]
    public async Task Delete_DeletesTheTopicButNeverOneAClientCreated()
    {
        using (var admin = _env.Admin())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = "client-made", NumPartitions = 1, ReplicationFactor = 1 }]);
        }
        _env.ApplyUntilReady("doomed", TopicOperatorEnvironment.TopicManifest("doomed", 2));
        Assert.True(_env.KafkaTopicExists("doomed"));

        _env.Server.MustKubectl("delete", "fjordtopic", "doomed", "--wait", "--timeout=60s");

        Eventually.True(() => !_env.KafkaTopicExists("doomed"), TimeSpan.FromSeconds(30), "topic doomed deleted");
        Assert.Null(_env.FjordTopic("doomed"));
        Assert.True(_env.KafkaTopicExists("client-made"), "a topic no FjordTopic names is left alone");
        Assert.Contains(_env.Events("doomed"), e => e.StartsWith("TopicDeleted:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeleteWithRetain_KeepsTheTopicAndItsData()
    {
        _env.ApplyUntilReady("kept", TopicOperatorEnvironment.TopicManifest("kept", 1, deletionPolicy: "Retain"));
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = _env.Bootstrap, Acks = Acks.All }).Build())
        {
            await producer.ProduceAsync("kept", new Message<Null, string> { Value = "still here" });
        }

        _env.Server.MustKubectl("delete", "fjordtopic", "kept", "--wait", "--timeout=60s");

        Assert.Null(_env.FjordTopic("kept"));
        Assert.True(_env.KafkaTopicExists("kept"));
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = _env.Bootstrap, GroupId = "retain-check", AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe("kept");
        var record = consumer.Consume(TimeSpan.FromSeconds(30));
        Assert.Equal("still here", record?.Message.Value);
        consumer.Close();
    }

    [Fact]
    public void TopicNameThatIsNotDns1123_IsCreatedUnderThatName()
    {
        _env.ApplyUntilReady("orders-v1-eu", TopicOperatorEnvironment.TopicManifest("orders-v1-eu", 2, topicName: "orders.v1_EU"));

        Assert.Equal(2, _env.KafkaTopic("orders.v1_EU")!.Partitions.Count);
        Assert.Equal("orders.v1_EU", _env.FjordTopic("orders-v1-eu")!.Value.GetProperty("status").GetProperty("topicName").GetString());
    }

    [Fact]
    public void SecondFjordTopicNamingTheSameTopic_GetsTopicNameConflictAndDeletingItKeepsTheTopic()
    {
        _env.ApplyUntilReady("ledger", TopicOperatorEnvironment.TopicManifest("ledger", 2));

        _env.Apply(TopicOperatorEnvironment.TopicManifest("ledger-copy", 5, topicName: "ledger"));
        var conflict = _env.WaitForReason("ledger-copy", "TopicNameConflict");
        _env.Server.MustKubectl("delete", "fjordtopic", "ledger-copy", "--wait", "--timeout=60s");

        Assert.Contains("ledger", TopicOperatorEnvironment.CurrentReady(conflict)!.Value.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, _env.KafkaTopic("ledger")!.Partitions.Count);
    }

    [Fact]
    public void UnknownConfigKey_SetsInvalidConfigAndCreatesNothing()
    {
        _env.Apply(TopicOperatorEnvironment.TopicManifest("misspelt", 1, config: new Dictionary<string, string> { ["retention.msec"] = "1" }));

        _env.WaitForReason("misspelt", "InvalidConfig");

        Assert.False(_env.KafkaTopicExists("misspelt"));
    }

    private const string TopicFinalizerName = "fjord.dev/topic-deletion";
}
