using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Fjord.Integration.Tests.Transactions;

/// <summary>Confluent.Kafka pieces the client and cluster transaction tests share: topics, a transactional producer, a full read.</summary>
public static class TransactionClients
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static async Task CreateTopicAsync(string bootstrapServers, string topic, int partitions, short replicationFactor = 1)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = replicationFactor }]);
    }

    public static IProducer<string, string> TransactionalProducer(string bootstrapServers, string transactionalId) =>
        new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            TransactionalId = transactionalId,
            TransactionTimeoutMs = 60_000,
            LingerMs = 5,
        }).Build();

    /// <summary>Begins a transaction, sends <paramref name="values"/> to the partitions round-robin, waits for every delivery.</summary>
    public static async Task SendInTransactionAsync(IProducer<string, string> producer, string topic, int[] partitions, IReadOnlyList<string> values)
    {
        producer.BeginTransaction();
        var deliveries = new List<Task<DeliveryResult<string, string>>>();
        for (var i = 0; i < values.Count; i++)
        {
            deliveries.Add(producer.ProduceAsync(new TopicPartition(topic, partitions[i % partitions.Length]), new Message<string, string> { Key = $"k{i}", Value = values[i] }));
        }

        await Task.WhenAll(deliveries);
    }

    public static string[] Values(string prefix, int count) => Enumerable.Range(0, count).Select(i => $"{prefix}-{i}").ToArray();

    /// <summary>
    /// Reads the partitions from the beginning at <paramref name="isolation"/> until <paramref name="expected"/> records came,
    /// then 2 s more to catch extras; the values in partition, offset order.
    /// </summary>
    public static List<string> ReadValues(string bootstrapServers, IEnumerable<TopicPartition> partitions, IsolationLevel isolation, int expected)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "txn-reader-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            IsolationLevel = isolation,
            EnablePartitionEof = false,
        }).Build();
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, Offset.Beginning)));
        var consumed = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow + Timeout;
        while (consumed.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is { } result) consumed.Add(result);
        }

        while (consumer.Consume(TimeSpan.FromSeconds(2)) is { } extra) consumed.Add(extra);
        return consumed.OrderBy(r => r.Topic, StringComparer.Ordinal).ThenBy(r => r.Partition.Value).ThenBy(r => r.Offset.Value).Select(r => r.Message.Value).ToList();
    }
}
