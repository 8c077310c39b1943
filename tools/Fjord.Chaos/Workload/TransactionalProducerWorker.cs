using System.Globalization;
using Confluent.Kafka;
using Fjord.Chaos.Checking;
using Microsoft.Extensions.Logging;

namespace Fjord.Chaos.Workload;

/// <summary>
/// One transactional producer slot (Confluent.Kafka, <c>transactional.id</c> <c>chaos-txn-{index}</c>): each transaction
/// writes 2 to 6 records (<see cref="TransactionalValue"/>) over consecutive partitions from a random start, so it spans
/// partitions led by different brokers, then commits, or aborts about one in five by choice. The outcome of every
/// commit or abort call goes to the <see cref="TransactionHistory"/>. A fatal error (fenced, epoch bumped by a timeout)
/// replaces the instance with a new generation that calls InitTransactions on the same transactional.id, which fences
/// the old one and aborts its open transaction. Each finished transaction is progress of <see cref="Client"/>. Owns its
/// thread; start once.
/// </summary>
public sealed partial class TransactionalProducerWorker(int index, string bootstrapServers, string topic, int partitions, int recordsPerSecond, int seed,
    TransactionHistory history, LivenessTracker liveness, ClientLog clientLog, ILogger logger)
{
    private const double AbortShare = 0.2;
    private static readonly TimeSpan s_callTimeout = TimeSpan.FromSeconds(30);
    private readonly Random _random = new(seed);
    private long _failedDeliveries;

    public string Client { get; } = string.Create(CultureInfo.InvariantCulture, $"txn producer {index}");

    public string TransactionalId { get; } = TransactionalIdOf(index);

    public static string TransactionalIdOf(int index) => string.Create(CultureInfo.InvariantCulture, $"chaos-txn-{index}");

    public long FailedDeliveries => Interlocked.Read(ref _failedDeliveries);

    public Task RunAsync(CancellationToken stop) => Task.Factory.StartNew(() => Run(stop), TaskCreationOptions.LongRunning);

    private void Run(CancellationToken stop)
    {
        long transaction = 0;
        for (var generation = 0; !stop.IsCancellationRequested; generation++)
        {
            var session = string.Create(CultureInfo.InvariantCulture, $"p{index}-g{generation}");
            using var producer = Build(session);
            if (!Init(producer, session, stop)) continue;
            while (!stop.IsCancellationRequested)
            {
                var started = DateTime.UtcNow;
                var (attempt, fatal) = RunTransaction(producer, session, transaction++);
                history.RecordTransaction(attempt);
                if (attempt.Result != TransactionCallResult.Unknown || attempt.Intent == TransactionIntent.Abort) liveness.Progressed(Client, DateTime.UtcNow);
                if (fatal is not null)
                {
                    history.RecordReinit($"{session}: {fatal}");
                    Log.Reinit(logger, session, fatal);
                    break;
                }
                var due = TimeSpan.FromSeconds((double)attempt.Count / recordsPerSecond) - (DateTime.UtcNow - started);
                if (due > TimeSpan.Zero) stop.WaitHandle.WaitOne(due);
            }
        }
    }

    /// <summary>InitTransactions, retried while retriable; false after a fatal error (the caller builds a new instance).</summary>
    private bool Init(IProducer<Null, string> producer, string session, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                producer.InitTransactions(s_callTimeout);
                return true;
            }
            catch (KafkaException e) when (!e.Error.IsFatal)
            {
                // The coordinator is moving or unreachable: InitTransactions may be called again (KIP-98 retry).
                clientLog.Write(session, e.Error);
                stop.WaitHandle.WaitOne(500);
            }
            catch (KafkaException e)
            {
                history.RecordReinit($"{session}: init {e.Error.Code} {e.Error.Reason}");
                Log.Reinit(logger, session, e.Error.Reason);
                return false;
            }
        }
        return false;
    }

    /// <summary>Begin, produce, then commit or abort; returns what happened and the fatal error that ends this instance, if any.</summary>
    private (TransactionAttempt Attempt, string? Fatal) RunTransaction(IProducer<Null, string> producer, string session, long transaction)
    {
        var count = _random.Next(2, 7);
        var first = _random.Next(partitions);
        var placed = Enumerable.Range(0, count).Select(i => (first + i) % partitions).ToArray();
        var abortByChoice = _random.NextDouble() < AbortShare;
        TransactionAttempt Attempt(TransactionIntent intent, TransactionCallResult result, string? detail) =>
            new(index, transaction, session, placed, intent, result, detail, DateTime.UtcNow);
        try
        {
            producer.BeginTransaction();
            for (var i = 0; i < count; i++)
            {
                var value = new TransactionalValue(index, transaction, i, count).ToString();
                producer.Produce(new TopicPartition(topic, placed[i]), new Message<Null, string> { Value = value }, report =>
                {
                    // A failed delivery makes the commit fail with an abortable error; counted for the report only.
                    // An abort purges what is still queued: those are not failures.
                    if (report.Error.IsError && report.Error.Code is not (ErrorCode.Local_PurgeQueue or ErrorCode.Local_PurgeInflight))
                        Interlocked.Increment(ref _failedDeliveries);
                });
            }
        }
        catch (KafkaException e)
        {
            // No commit was asked for: whatever was written must stay invisible.
            return End(producer, Attempt, TransactionIntent.Abort, e);
        }
        if (abortByChoice) return Abort(producer, Attempt, TransactionIntent.Abort, null);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                producer.CommitTransaction(s_callTimeout);
                return (Attempt(TransactionIntent.Commit, TransactionCallResult.Ok, null), null);
            }
            catch (KafkaTxnRequiresAbortException e)
            {
                return Abort(producer, Attempt, TransactionIntent.Commit, $"commit refused: {e.Error.Code}");
            }
            catch (KafkaRetriableException e) when (attempt < 3)
            {
                // librdkafka allows calling commit again after a retriable error (a timeout): it resumes the same EndTxn.
                clientLog.Write(session, e.Error);
            }
            catch (KafkaException e)
            {
                // Whatever the error, the instance's state is in doubt: it is replaced, which resolves the transaction.
                return (Attempt(TransactionIntent.Commit, TransactionCallResult.Unknown, $"{e.Error.Code} {e.Error.Reason}"), e.Error.Reason);
            }
        }
    }

    private static (TransactionAttempt, string?) End(IProducer<Null, string> producer, Func<TransactionIntent, TransactionCallResult, string?, TransactionAttempt> attempt,
        TransactionIntent intent, KafkaException e) =>
        e.Error.IsFatal
            ? (attempt(intent, TransactionCallResult.Failed, $"{e.Error.Code} {e.Error.Reason}"), e.Error.Reason)
            : Abort(producer, attempt, intent, $"{e.Error.Code} {e.Error.Reason}");

    /// <summary>
    /// AbortTransaction, retried while retriable. For a commit that was refused, a successful abort makes the transaction
    /// known aborted (Failed); an abort that does not go through leaves it Unknown. For an abort by choice the result is
    /// Ok or Failed, and either way nothing may be visible.
    /// </summary>
    private static (TransactionAttempt, string?) Abort(IProducer<Null, string> producer, Func<TransactionIntent, TransactionCallResult, string?, TransactionAttempt> attempt,
        TransactionIntent intent, string? why)
    {
        for (var tries = 0; ; tries++)
        {
            try
            {
                producer.AbortTransaction(s_callTimeout);
                return (attempt(intent, intent == TransactionIntent.Commit ? TransactionCallResult.Failed : TransactionCallResult.Ok, why), null);
            }
            catch (KafkaRetriableException) when (tries < 3)
            {
                // retried: AbortTransaction may be called again after a retriable error
            }
            catch (KafkaException e)
            {
                var detail = $"{why}; abort {e.Error.Code} {e.Error.Reason}";
                return (attempt(intent, intent == TransactionIntent.Commit ? TransactionCallResult.Unknown : TransactionCallResult.Failed, detail), e.Error.Reason);
            }
        }
    }

    private IProducer<Null, string> Build(string session) =>
        new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            ClientId = $"chaos-txn-{session}",
            TransactionalId = TransactionalId,
            TransactionTimeoutMs = 20_000,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 2,
            MessageTimeoutMs = 20_000,
            RequestTimeoutMs = 10_000,
            SocketTimeoutMs = 10_000,
            TopicMetadataRefreshIntervalMs = 2_000,
        })
            .SetErrorHandler((_, error) => clientLog.Write(session, error))
            .SetLogHandler((_, message) => clientLog.Write(session, message))
            .Build();

    private static partial class Log
    {
        [LoggerMessage(EventId = 310, Level = LogLevel.Warning, Message = "transactional producer {Session} is replaced after: {Reason}")]
        public static partial void Reinit(ILogger logger, string session, string reason);
    }
}
