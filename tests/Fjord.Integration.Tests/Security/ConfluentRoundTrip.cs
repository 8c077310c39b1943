using Confluent.Kafka;

namespace Fjord.Integration.Tests.Security;

/// <summary>Produces and reads back records with Confluent.Kafka under a given security config.</summary>
public static class ConfluentRoundTrip
{
    /// <summary>Produces <paramref name="count"/> records to a new topic and returns the values an assigned consumer reads back.</summary>
    public static List<string> Run(ClientConfig security, string topic, int count)
    {
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig(new Dictionary<string, string>(security)) { MessageTimeoutMs = 20_000 }).Build())
        {
            for (var i = 0; i < count; i++)
            {
                producer.Produce(topic, new Message<Null, string> { Value = $"value-{i}" });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig(new Dictionary<string, string>(security))
        {
            GroupId = "unused-" + topic, EnableAutoCommit = false,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var values = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (values.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is { } result)
            {
                values.Add(result.Message.Value);
            }
        }

        return values;
    }

    /// <summary>The error a metadata request fails with under <paramref name="security"/> (null when it succeeds).</summary>
    public static string? MetadataError(ClientConfig security)
    {
        var errors = new List<string>();
        using var admin = new AdminClientBuilder(new AdminClientConfig(new Dictionary<string, string>(security)))
            .SetErrorHandler((_, e) => { lock (errors) errors.Add(e.Reason); })
            .Build();
        try
        {
            admin.GetMetadata(TimeSpan.FromSeconds(10));
            return null;
        }
        catch (KafkaException ex)
        {
            lock (errors)
            {
                return $"{ex.Message} | {string.Join(" | ", errors)}";
            }
        }
    }
}
