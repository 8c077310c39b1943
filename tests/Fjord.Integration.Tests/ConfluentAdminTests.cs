using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Harness;

namespace Fjord.Integration.Tests;

/// <summary>Confluent.Kafka's AdminClient against a real broker process.</summary>
[Collection(SharedBrokerCollection.Name)]
public sealed class ConfluentAdminTests(BrokerFixture fixture)
{
    private IAdminClient NewAdmin() => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.BootstrapServers }).Build();

    [Fact]
    public async Task CreateDescribeDelete_Topic_LifecycleIsVisibleInMetadata()
    {
        using var admin = NewAdmin();
        var topic = TestTopics.Unique("adm");
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 4, ReplicationFactor = 1, Configs = new() { ["retention.ms"] = "3600000" } }]);

        var described = await admin.DescribeTopicsAsync(TopicCollection.OfTopicNames([topic]));
        var description = Assert.Single(described.TopicDescriptions);
        Assert.Equal(4, description.Partitions.Count);
        Assert.All(description.Partitions, p => Assert.Equal(0, p.Leader.Id));

        var duplicate = await Assert.ThrowsAsync<CreateTopicsException>(() => admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1 }]));
        Assert.Equal(ErrorCode.TopicAlreadyExists, duplicate.Results[0].Error.Code);

        await admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = topic, IncreaseTo = 6 }]);
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        Assert.Equal(6, metadata.Topics[0].Partitions.Count);

        await admin.DeleteTopicsAsync([topic]);
        Eventually.True(() => admin.GetMetadata(TimeSpan.FromSeconds(5)).Topics.All(t => t.Topic != topic), TimeSpan.FromSeconds(10), "the deleted topic left the metadata");
    }

    [Fact]
    public async Task CreateTopics_WithBadInput_ReturnsKafkaErrors()
    {
        using var admin = NewAdmin();
        var failures = await Assert.ThrowsAsync<CreateTopicsException>(() => admin.CreateTopicsAsync(
        [
            new TopicSpecification { Name = "bad/name", NumPartitions = 1, ReplicationFactor = 1 },
            new TopicSpecification { Name = TestTopics.Unique("rf3"), NumPartitions = 1, ReplicationFactor = 3 },
            new TopicSpecification { Name = TestTopics.Unique("badcfg"), NumPartitions = 1, ReplicationFactor = 1, Configs = new() { ["retention.ms"] = "soon" } },
            new TopicSpecification { Name = TestTopics.Unique("unknowncfg"), NumPartitions = 1, ReplicationFactor = 1, Configs = new() { ["no.such.config"] = "1" } },
        ]));
        var codes = failures.Results.Select(r => r.Error.Code).ToList();
        Assert.Equal([ErrorCode.TopicException, ErrorCode.InvalidReplicationFactor, ErrorCode.InvalidConfig, ErrorCode.InvalidConfig], codes);
    }

    [Fact]
    public async Task AlterAndDescribeConfigs_TopicOverridesShowWithTheirSource()
    {
        using var admin = NewAdmin();
        var topic = TestTopics.Unique("cfg");
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
        var resource = new ConfigResource { Type = ResourceType.Topic, Name = topic };

#pragma warning disable CS0618 // AlterConfigs is the legacy API on purpose: it is one of the APIs under test
        await admin.AlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] = [new ConfigEntry { Name = "retention.ms", Value = "120000" }, new ConfigEntry { Name = "cleanup.policy", Value = "compact" }],
        });
#pragma warning restore CS0618

        var described = (await admin.DescribeConfigsAsync([resource]))[0];
        Assert.Equal("120000", described.Entries["retention.ms"].Value);
        Assert.Equal(ConfigSource.DynamicTopicConfig, described.Entries["retention.ms"].Source);
        Assert.Equal("compact", described.Entries["cleanup.policy"].Value);
        Assert.Equal(ConfigSource.DefaultConfig, described.Entries["segment.bytes"].Source);

        await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] =
            [
                new ConfigEntry { Name = "retention.ms", IncrementalOperation = AlterConfigOpType.Delete },
                new ConfigEntry { Name = "cleanup.policy", Value = "delete", IncrementalOperation = AlterConfigOpType.Append },
            ],
        });

        var after = (await admin.DescribeConfigsAsync([resource]))[0];
        Assert.Equal("604800000", after.Entries["retention.ms"].Value);
        Assert.Equal(ConfigSource.DefaultConfig, after.Entries["retention.ms"].Source);
        Assert.Equal("compact,delete", after.Entries["cleanup.policy"].Value);

        var bad = await Assert.ThrowsAsync<IncrementalAlterConfigsException>(() => admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] = [new ConfigEntry { Name = "segment.bytes", Value = "tiny", IncrementalOperation = AlterConfigOpType.Set }],
        }));
        Assert.Equal(ErrorCode.InvalidConfig, bad.Results[0].Error.Code);
    }

    [Fact]
    public async Task DescribeCluster_ShowsThisBrokerAsController()
    {
        using var admin = NewAdmin();
        var cluster = await admin.DescribeClusterAsync();
        var broker = Assert.Single(cluster.Nodes);
        Assert.Equal(0, broker.Id);
        Assert.Equal(fixture.Broker.KafkaPort, broker.Port);
        Assert.Equal(0, cluster.Controller.Id);
        Assert.False(string.IsNullOrEmpty(cluster.ClusterId));
    }

    [Fact]
    public async Task DeleteRecords_MovesTheLogStartOffset()
    {
        using var admin = NewAdmin();
        var topic = TestTopics.Unique("delrec");
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = fixture.BootstrapServers }).Build())
        {
            for (var i = 0; i < 10; i++)
            {
                await producer.ProduceAsync(topic, new Message<Null, string> { Value = i.ToString() });
            }
        }

        var deleted = await admin.DeleteRecordsAsync([new TopicPartitionOffset(topic, 0, 5)]);
        Assert.Equal(5, deleted[0].Offset.Value);

        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig { BootstrapServers = fixture.BootstrapServers, GroupId = "unused-" + topic }).Build();
        var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10));
        Assert.Equal(5, watermarks.Low.Value);
        Assert.Equal(10, watermarks.High.Value);

        var beyond = await Assert.ThrowsAsync<DeleteRecordsException>(() => admin.DeleteRecordsAsync([new TopicPartitionOffset(topic, 0, 50)]));
        Assert.Equal(ErrorCode.OffsetOutOfRange, beyond.Results[0].Error.Code);
    }
}
