using System.Diagnostics;
using Confluent.Kafka;
using Fjord.Cli.Perf;

namespace Fjord.Bench;

/// <summary>
/// A transactional producer (acks=all, idempotent, as Kafka requires) sending random records of one size to one
/// partition as fast as it goes for a while, committing every <c>recordsPerTransaction</c> records. The latency figures
/// are of CommitTransaction, which flushes the transaction's last records, then waits for EndTxn. Runs on the calling
/// thread; delivery reports arrive on librdkafka's poll thread.
/// </summary>
public static class TransactionalProducerPerf
{
    public static PerfResult Run(string bootstrapServers, string topic, int recordSize, int recordsPerTransaction, TimeSpan duration)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            TransactionalId = "fjord-bench-" + Guid.NewGuid().ToString("N")[..8],
            LingerMs = 5,
            BatchSize = 131072,
            QueueBufferingMaxKbytes = 1024 * 1024,
            QueueBufferingMaxMessages = 1_000_000,
            MessageTimeoutMs = 60_000,
        };
        var payload = new byte[recordSize];
        new Random(42).NextBytes(payload);
        var message = new Message<Null, byte[]> { Value = payload };
        var commits = new LatencyHistogram();
        long errors = 0;
        Action<DeliveryReport<Null, byte[]>> onDelivery = report =>
        {
            if (report.Error.IsError) Interlocked.Increment(ref errors);
        };

        using var producer = new ProducerBuilder<Null, byte[]>(config).SetLogHandler((_, _) => { }).Build();
        producer.InitTransactions(TimeSpan.FromSeconds(60));
        long committed = 0;
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            producer.BeginTransaction();
            for (var i = 0; i < recordsPerTransaction; i++)
            {
                while (true)
                {
                    try
                    {
                        producer.Produce(topic, message, onDelivery);
                        break;
                    }
                    catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(1));
                    }
                }
            }

            var commitStart = Stopwatch.GetTimestamp();
            producer.CommitTransaction(TimeSpan.FromSeconds(60));
            commits.RecordTicks(Stopwatch.GetTimestamp() - commitStart);
            committed += recordsPerTransaction;
        }

        var seconds = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        return PerfResult.From("produce", committed, committed * recordSize, seconds, Interlocked.Read(ref errors), commits);
    }
}
