using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Fjord.Chaos.Checking;
using Microsoft.Extensions.Logging;

namespace Fjord.Chaos.Workload;

/// <summary>
/// One idempotent producer (Confluent.Kafka, acks=all, enable.idempotence=true) offering unique values
/// <c>p{index}-g{generation}-{n}</c> round-robin over the partitions at a fixed rate. Acknowledgements go to the
/// <see cref="History"/> with their offsets. After a fatal error (the idempotent producer's sequence state is
/// broken) the instance is replaced by a new generation and the error is recorded: values are never re-sent,
/// so any value appearing twice in a log is a duplicate the cluster made. Each acknowledgement is progress of the
/// producer slot <see cref="Client"/> (<see cref="LivenessTracker"/>); librdkafka's warnings go to the <see cref="ClientLog"/>.
/// Owns its thread; start once.
/// </summary>
public sealed partial class ProducerWorker(int index, string bootstrapServers, string topic, int partitions, int recordsPerSecond, History history,
    LivenessTracker liveness, ClientLog clientLog, ILogger logger)
{
    private string? _fatal;

    /// <summary>The producer slot's name in liveness reports: one per index, whatever the generation.</summary>
    public string Client { get; } = string.Create(CultureInfo.InvariantCulture, $"producer {index}");

    public Task RunAsync(CancellationToken stop) => Task.Factory.StartNew(() => Run(stop), TaskCreationOptions.LongRunning);

    private void Run(CancellationToken stop)
    {
        long sent = 0;
        var pace = Stopwatch.StartNew();
        for (var generation = 0; !stop.IsCancellationRequested; generation++)
        {
            Volatile.Write(ref _fatal, null);
            var session = string.Create(CultureInfo.InvariantCulture, $"p{index}-g{generation}");
            using var producer = Build(session);
            for (long n = 0; !stop.IsCancellationRequested && Volatile.Read(ref _fatal) is null; n++)
            {
                var value = string.Create(CultureInfo.InvariantCulture, $"{session}-{n}");
                var partition = (int)(sent % partitions);
                if (!Offer(producer, value, n, partition, session, stop)) break;
                sent++;
                var due = TimeSpan.FromSeconds((double)sent / recordsPerSecond) - pace.Elapsed;
                if (due > TimeSpan.Zero) stop.WaitHandle.WaitOne(due);
            }
            // Let in-flight writes finish (or time out) so every offered value has an outcome before the check.
            var unfinished = producer.Flush(TimeSpan.FromSeconds(75));
            if (unfinished > 0) Log.Unflushed(logger, session, unfinished);
            if (Volatile.Read(ref _fatal) is { } fatal) Log.Fatal(logger, session, fatal);
        }
    }

    private bool Offer(IProducer<Null, string> producer, string value, long produceIndex, int partition, string session, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested && Volatile.Read(ref _fatal) is null)
        {
            try
            {
                producer.Produce(new TopicPartition(topic, partition), new Message<Null, string> { Value = value }, report =>
                {
                    if (report.Error.IsError) history.RecordFailedDelivery(report.Error.Code.ToString());
                    else if (report.Status == PersistenceStatus.Persisted)
                    {
                        history.RecordAck(value, report.Partition.Value, report.Offset.Value, session, produceIndex);
                        liveness.Progressed(Client, DateTime.UtcNow);
                    }
                    else history.RecordFailedDelivery($"status {report.Status}");
                });
                return true;
            }
            catch (ProduceException<Null, string> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                // The local queue is full while partitions have no leader: wait instead of dropping the value.
                stop.WaitHandle.WaitOne(100);
            }
            catch (ProduceException<Null, string> e) when (e.Error.IsFatal)
            {
                // The producer is already fenced by a fatal error (the error handler may not have run yet).
                MarkFatal(session, e.Error);
            }
            catch (ProduceException<Null, string> e)
            {
                // Refused locally (never sent): an outcome like any failed delivery; the next value goes on.
                history.RecordFailedDelivery(e.Error.Code.ToString());
                return true;
            }
        }
        return false;
    }

    private IProducer<Null, string> Build(string session) =>
        new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            ClientId = $"chaos-{session}",
            Acks = Acks.All,
            EnableIdempotence = true,
            MaxInFlight = 5,
            LingerMs = 5,
            MessageTimeoutMs = 60_000,
            RequestTimeoutMs = 10_000,
            SocketTimeoutMs = 10_000,
            TopicMetadataRefreshIntervalMs = 2_000,
            QueueBufferingMaxMessages = 20_000,
        })
            .SetErrorHandler((_, error) =>
            {
                clientLog.Write(session, error);
                if (error.IsFatal) MarkFatal(session, error);
            })
            .SetLogHandler((_, message) => clientLog.Write(session, message))
            .Build();

    /// <summary>Records the first fatal error of this producer instance once, whichever thread sees it first.</summary>
    private void MarkFatal(string session, Error error)
    {
        if (Interlocked.CompareExchange(ref _fatal, error.Reason, null) is null) history.RecordFatal($"{session}: {error.Code} {error.Reason}");
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "producer {Session} hit a fatal error and is replaced: {Reason}")]
        public static partial void Fatal(ILogger logger, string session, string reason);

        [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "producer {Session} closed with {Count} writes still unresolved")]
        public static partial void Unflushed(ILogger logger, string session, int count);
    }
}
