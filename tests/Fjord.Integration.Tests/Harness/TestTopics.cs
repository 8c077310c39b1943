using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Fjord.Integration.Tests.Harness;

/// <summary>Unique topic names, so tests sharing a broker never see each other's data, and topics filled with numbered records.</summary>
public static class TestTopics
{
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 249)];

    public static async Task CreateAsync(BrokerProcess broker, string topic, int partitions)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
    }

    /// <summary>Records whose values are the numbers <paramref name="from"/> to <paramref name="from"/> + <paramref name="count"/> - 1, keyless (spread over the partitions).</summary>
    public static Task ProduceAsync(BrokerProcess broker, string topic, int from, int count)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build();
        for (var i = from; i < from + count; i++)
        {
            producer.Produce(topic, new Message<Null, string> { Value = i.ToString() });
        }

        producer.Flush(TimeSpan.FromSeconds(30));
        return Task.CompletedTask;
    }
}
