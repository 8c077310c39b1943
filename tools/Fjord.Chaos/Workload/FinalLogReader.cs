using Confluent.Kafka;

namespace Fjord.Chaos.Workload;

/// <summary>
/// Reads, after the faults are healed and the writers stopped, every partition from its start to its high
/// watermark with a fresh Confluent.Kafka consumer: the log as a client sees it at the end. Single-use; call
/// from one thread.
/// </summary>
public static class FinalLogReader
{
    /// <summary>Offset and value of every record below the high watermark, per partition, and the high watermarks read.</summary>
    /// <exception cref="TimeoutException">A partition could not be read to its high watermark within <paramref name="timeout"/>.</exception>
    public static (Dictionary<int, List<(long Offset, string Value)>> Records, Dictionary<int, long> HighWatermarks) Read(
        string bootstrapServers, string topic, int partitions, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "chaos-final-reader",
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).SetLogHandler((_, _) => { /* a healed cluster may still refuse a first connection; timeouts below decide */ }).Build();
        var deadline = DateTime.UtcNow + timeout;
        var highWatermarks = new Dictionary<int, long>();
        for (var p = 0; p < partitions; p++) highWatermarks[p] = HighWatermark(consumer, new TopicPartition(topic, p), deadline);
        var records = Enumerable.Range(0, partitions).ToDictionary(p => p, _ => new List<(long, string)>());
        var next = Enumerable.Range(0, partitions).ToDictionary(p => p, _ => 0L);
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        while (next.Any(p => p.Value < highWatermarks[p.Key]))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("final read did not reach the high watermark of partition(s) "
                    + string.Join(", ", next.Where(p => p.Value < highWatermarks[p.Key]).Select(p => $"{p.Key} (at {p.Value} of {highWatermarks[p.Key]})")));
            try
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is not { Message: { } message } result) continue;
                var partition = result.Partition.Value;
                // A re-fetch after a reconnect may hand a position again: each offset is taken once.
                if (result.Offset.Value >= highWatermarks[partition] || result.Offset.Value < next[partition]) continue;
                records[partition].Add((result.Offset.Value, message.Value));
                next[partition] = result.Offset.Value + 1;
            }
            catch (ConsumeException e) when (!e.Error.IsFatal)
            {
                // Retried until the deadline; the TimeoutException above names what could not be read.
                Thread.Sleep(200);
            }
        }
        return (records, highWatermarks);
    }

    /// <summary>The high watermark at the consumer's isolation level (read_committed: the last stable offset), retried until the deadline.</summary>
    internal static long HighWatermark(IConsumer<Ignore, string> consumer, TopicPartition partition, DateTime deadline)
    {
        while (true)
        {
            try
            {
                return consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(5)).High.Value;
            }
            catch (KafkaException) when (DateTime.UtcNow < deadline)
            {
                // A leader may still be moving: retried until the deadline, after which the exception propagates.
                Thread.Sleep(500);
            }
        }
    }
}
