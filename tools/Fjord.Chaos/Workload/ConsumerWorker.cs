using Confluent.Kafka;
using Fjord.Chaos.Checking;

namespace Fjord.Chaos.Workload;

/// <summary>
/// A Confluent.Kafka consumer (read_committed, librdkafka's default) assigned every partition from the beginning (no group,
/// so coordinator failover does not blur what the log says) that hands each record it is handed, in order, to
/// <paramref name="record"/> (the <see cref="History"/> or the <see cref="TransactionHistory"/>) while the faults run, each record being progress of <see cref="Client"/> (<see cref="LivenessTracker"/>). Errors are counted,
/// not fatal: librdkafka retries through leader changes; its warnings go to the <see cref="ClientLog"/>. Owns its thread.
/// </summary>
public sealed class ConsumerWorker(int index, string bootstrapServers, string topic, int partitions, Action<string, ConsumedRecord> record,
    LivenessTracker liveness, ClientLog clientLog)
{
    private long _errors;

    public string Client { get; } = $"consumer {index}";

    /// <summary>Consume errors seen (leader moves, unreachable brokers); informational.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    public Task RunAsync(CancellationToken stop) => Task.Factory.StartNew(() => Run(stop), TaskCreationOptions.LongRunning);

    private void Run(CancellationToken stop)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"chaos-reader-{index}",
            ClientId = $"chaos-reader-{index}",
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SocketTimeoutMs = 10_000,
            TopicMetadataRefreshIntervalMs = 2_000,
        })
            .SetErrorHandler((_, error) =>
            {
                Interlocked.Increment(ref _errors);
                clientLog.Write(Client, error);
            })
            .SetLogHandler((_, message) => clientLog.Write(Client, message))
            .Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { Message: { } message } result)
                {
                    record(Client, new ConsumedRecord(result.Partition.Value, result.Offset.Value, message.Value));
                    liveness.Progressed(Client, DateTime.UtcNow);
                }
            }
            catch (ConsumeException)
            {
                Interlocked.Increment(ref _errors);
            }
        }
        consumer.Close();
    }
}
