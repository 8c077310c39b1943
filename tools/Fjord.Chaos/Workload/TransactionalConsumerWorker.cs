using Confluent.Kafka;
using Fjord.Chaos.Checking;

namespace Fjord.Chaos.Workload;

/// <summary>
/// A read_committed Confluent.Kafka consumer assigned every partition from the beginning (no group) that records every
/// record it is handed, in order, into the <see cref="TransactionHistory"/> under its <see cref="Client"/> name; each
/// record is progress (<see cref="LivenessTracker"/>). Errors are counted, not fatal. Owns its thread.
/// </summary>
public sealed class TransactionalConsumerWorker(int index, string bootstrapServers, string topic, int partitions, TransactionHistory history,
    LivenessTracker liveness, ClientLog clientLog)
{
    private long _errors;

    public string Client { get; } = $"txn consumer {index}";

    public long Errors => Interlocked.Read(ref _errors);

    public Task RunAsync(CancellationToken stop) => Task.Factory.StartNew(() => Run(stop), TaskCreationOptions.LongRunning);

    private void Run(CancellationToken stop)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"chaos-txn-reader-{index}",
            ClientId = $"chaos-txn-reader-{index}",
            IsolationLevel = IsolationLevel.ReadCommitted,
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
                    history.RecordConsumed(Client, result.Partition.Value, result.Offset.Value, message.Value);
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
