using System.Text;
using Confluent.Kafka;
using Fjord.Integration.Tests.Harness;

namespace Fjord.Integration.Tests;

/// <summary>Confluent.Kafka (librdkafka 2.16) producers and an assigned consumer against a real broker process.</summary>
[Collection(SharedBrokerCollection.Name)]
public sealed class ConfluentProducerConsumerTests(BrokerFixture fixture)
{
    public static TheoryData<Acks, bool, CompressionType> ProducerSettings()
    {
        var data = new TheoryData<Acks, bool, CompressionType>();
        foreach (var codec in new[] { CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd })
        {
            data.Add(Acks.Leader, false, codec);
            data.Add(Acks.All, true, codec);
        }

        data.Add(Acks.All, false, CompressionType.None);
        data.Add(Acks.None, false, CompressionType.None);
        data.Add(Acks.None, false, CompressionType.Lz4);
        return data;
    }

    [Theory]
    [MemberData(nameof(ProducerSettings))]
    public async Task Produce_ThenConsumeByAssignment_ReturnsEveryRecordInOrder(Acks acks, bool idempotent, CompressionType codec)
    {
        const int count = 2_000;
        var topic = TestTopics.Unique($"cf-{acks}-{idempotent}-{codec}".ToLowerInvariant());
        await CreateTopicAsync(topic, partitions: 2);

        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = fixture.BootstrapServers,
            Acks = acks,
            EnableIdempotence = idempotent,
            CompressionType = codec,
            LingerMs = 5,
        }).Build())
        {
            var deliveries = new List<Task<DeliveryResult<string, string>>>();
            for (var i = 0; i < count; i++)
            {
                var headers = new Headers { { "index", Encoding.UTF8.GetBytes(i.ToString()) } };
                deliveries.Add(producer.ProduceAsync(topic, new Message<string, string> { Key = $"k{i % 10}", Value = $"v{i}", Headers = headers }));
            }

            var results = await Task.WhenAll(deliveries);
            if (acks != Acks.None)
            {
                Assert.All(results, r => Assert.Equal(PersistenceStatus.Persisted, r.Status));
                foreach (var partition in results.GroupBy(r => r.Partition.Value))
                {
                    var offsets = partition.Select(r => r.Offset.Value).Order().ToList();
                    Assert.Equal(Enumerable.Range(0, offsets.Count).Select(o => (long)o), offsets);
                }
            }
        }

        var consumed = ConsumeAll(topic, partitions: 2, count);
        Assert.Equal(count, consumed.Count);
        foreach (var byKey in consumed.GroupBy(m => m.Message.Key))
        {
            // One key always lands on one partition, so its values keep production order.
            var indexes = byKey.Select(m => int.Parse(m.Message.Value[1..])).ToList();
            Assert.Equal(indexes.Order(), indexes);
        }

        Assert.All(consumed, m => Assert.Equal(m.Message.Value[1..], Encoding.UTF8.GetString(m.Message.Headers.GetLastBytes("index"))));
    }

    [Fact]
    public async Task Consumer_SeekToOffsetAndTimestamp_StartsThere()
    {
        var topic = TestTopics.Unique("cf-seek");
        await CreateTopicAsync(topic, partitions: 1);
        var start = DateTime.UtcNow;
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = fixture.BootstrapServers }).Build())
        {
            for (var i = 0; i < 100; i++)
            {
                var timestamp = new Timestamp(start.AddSeconds(i));
                await producer.ProduceAsync(topic, new Message<Null, string> { Value = $"v{i}", Timestamp = timestamp });
            }
        }

        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig { BootstrapServers = fixture.BootstrapServers, GroupId = "unused-" + topic, EnableAutoCommit = false }).Build();
        var tp = new TopicPartition(topic, 0);
        var found = consumer.OffsetsForTimes([new TopicPartitionTimestamp(tp, new Timestamp(start.AddSeconds(42)))], TimeSpan.FromSeconds(10));
        Assert.Equal(42, found[0].Offset.Value);

        var watermarks = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10));
        Assert.Equal(0, watermarks.Low.Value);
        Assert.Equal(100, watermarks.High.Value);

        consumer.Assign(new TopicPartitionOffset(tp, 90));
        var first = consumer.Consume(TimeSpan.FromSeconds(10));
        Assert.NotNull(first);
        Assert.Equal("v90", first.Message.Value);
    }

    private async Task CreateTopicAsync(string topic, int partitions)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
    }

    private List<ConsumeResult<string, string>> ConsumeAll(string topic, int partitions, int expected)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = fixture.BootstrapServers,
            GroupId = "assign-only-" + topic,
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var consumed = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (consumed.Count < expected && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromSeconds(1));
            if (result is not null && !result.IsPartitionEOF)
            {
                consumed.Add(result);
            }
        }

        return consumed;
    }
}
