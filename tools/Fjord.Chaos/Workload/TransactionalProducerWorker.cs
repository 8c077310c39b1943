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

    /// <summary>Share of transactions whose producer is fenced by a successor just before it commits.</summary>
    private const double ZombieShare = 0.03;
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
        var generation = 0;
        IProducer<Null, string>? producer = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var session = SessionOf(generation);
                if (producer is null)
                {
                    producer = Build(session);
                    if (!Init(producer, session, stop))
                    {
                        producer.Dispose();
                        producer = null;
                        generation++;
                        continue;
                    }
                }
                var started = DateTime.UtcNow;
                var (attempt, successor, fatal) = _random.NextDouble() < ZombieShare
                    ? RunFencedTransaction(producer, session, SessionOf(generation + 1), transaction++, stop)
                    : RunTransaction(producer, session, transaction++);
                history.RecordTransaction(attempt);
                if (attempt.Result != TransactionCallResult.Unknown || attempt.Intent == TransactionIntent.Abort) liveness.Progressed(Client, DateTime.UtcNow);
                if (successor is not null || fatal)
                {
                    // The instance is replaced: by its successor (fencing on purpose), or by a new one after a fatal error.
                    producer.Dispose();
                    producer = successor;
                    generation++;
                    if (fatal)
                    {
                        history.RecordReinit($"{session}: {attempt.Detail}");
                        Log.Reinit(logger, session, attempt.Detail ?? "fatal error");
                    }
                    continue;
                }
                var due = TimeSpan.FromSeconds((double)attempt.Count / recordsPerSecond) - (DateTime.UtcNow - started);
                if (due > TimeSpan.Zero) stop.WaitHandle.WaitOne(due);
            }
        }
        finally
        {
            producer?.Dispose();
        }
    }

    private string SessionOf(int generation) => string.Create(CultureInfo.InvariantCulture, $"p{index}-g{generation}");

    /// <summary>
    /// A transaction whose producer is fenced just before it commits: a successor instance on the same transactional.id
    /// completes InitTransactions (which bumps the epoch and aborts the open transaction, KIP-98), then the old instance
    /// calls CommitTransaction, which must fail. Recorded with <see cref="TransactionAttempt.Fenced"/>: its records must
    /// stay invisible, and a commit that returns ok is an anomaly. The successor replaces the instance; when it cannot
    /// initialise, the transaction is committed normally.
    /// </summary>
    private (TransactionAttempt Attempt, IProducer<Null, string>? Successor, bool Fatal) RunFencedTransaction(IProducer<Null, string> producer, string session,
        string successorSession, long transaction, CancellationToken stop)
    {
        var (placed, _) = Begin(producer, transaction, out var failure);
        if (failure is not null) return Finish(producer, session, transaction, placed, abortByChoice: true, failure);
        var next = Build(successorSession);
        if (!Init(next, successorSession, stop))
        {
            next.Dispose();
            return Finish(producer, session, transaction, placed, abortByChoice: false, null);
        }
        try
        {
            producer.CommitTransaction(s_callTimeout);
            return (new TransactionAttempt(index, transaction, session, placed, TransactionIntent.Commit, TransactionCallResult.Ok, "committed after the successor's InitTransactions", DateTime.UtcNow) { Fenced = true }, next, false);
        }
        catch (KafkaException e)
        {
            return (new TransactionAttempt(index, transaction, session, placed, TransactionIntent.Commit, TransactionCallResult.Failed, $"fenced: {e.Error.Code}", DateTime.UtcNow) { Fenced = true }, next, false);
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

    /// <summary>Begin, produce, then commit or abort; Fatal when the error that ended it needs a new instance.</summary>
    private (TransactionAttempt Attempt, IProducer<Null, string>? Successor, bool Fatal) RunTransaction(IProducer<Null, string> producer, string session, long transaction)
    {
        var (placed, abortByChoice) = Begin(producer, transaction, out var failure);
        return Finish(producer, session, transaction, placed, abortByChoice, failure);
    }

    /// <summary>BeginTransaction and 2 to 6 records over consecutive partitions; the error that stopped it, if any.</summary>
    private (int[] Placed, bool AbortByChoice) Begin(IProducer<Null, string> producer, long transaction, out KafkaException? failure)
    {
        var count = _random.Next(2, 7);
        var first = _random.Next(partitions);
        var placed = Enumerable.Range(0, count).Select(i => (first + i) % partitions).ToArray();
        var abortByChoice = _random.NextDouble() < AbortShare;
        failure = null;
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
            failure = e;
        }
        return (placed, abortByChoice);
    }

    /// <summary>Commits or aborts what <see cref="Begin"/> wrote and says how that ended.</summary>
    private (TransactionAttempt Attempt, IProducer<Null, string>? Successor, bool Fatal) Finish(IProducer<Null, string> producer, string session, long transaction,
        int[] placed, bool abortByChoice, KafkaException? failure)
    {
        TransactionAttempt Attempt(TransactionIntent intent, TransactionCallResult result, string? detail) =>
            new(index, transaction, session, placed, intent, result, detail, DateTime.UtcNow);
        var (attempt, fatal) = FinishCalls(producer, session, Attempt, abortByChoice, failure);
        return (fatal is null || attempt.Detail is not null ? attempt : attempt with { Detail = fatal }, null, fatal is not null);
    }

    private (TransactionAttempt Attempt, string? Fatal) FinishCalls(IProducer<Null, string> producer, string session,
        Func<TransactionIntent, TransactionCallResult, string?, TransactionAttempt> outcome, bool abortByChoice, KafkaException? failure)
    {
        // No commit was asked for: whatever was written must stay invisible.
        if (failure is not null) return End(producer, outcome, TransactionIntent.Abort, failure);
        if (abortByChoice) return Abort(producer, outcome, TransactionIntent.Abort, null);
        for (var tries = 0; ; tries++)
        {
            try
            {
                producer.CommitTransaction(s_callTimeout);
                return (outcome(TransactionIntent.Commit, TransactionCallResult.Ok, null), null);
            }
            catch (KafkaTxnRequiresAbortException e)
            {
                return Abort(producer, outcome, TransactionIntent.Commit, $"commit refused: {e.Error.Code}");
            }
            catch (KafkaRetriableException e) when (tries < 3)
            {
                // librdkafka allows calling commit again after a retriable error (a timeout): it resumes the same EndTxn.
                clientLog.Write(session, e.Error);
            }
            catch (KafkaException e)
            {
                // Whatever the error, the instance's state is in doubt: it is replaced, which resolves the transaction.
                return (outcome(TransactionIntent.Commit, TransactionCallResult.Unknown, $"{e.Error.Code} {e.Error.Reason}"), e.Error.Reason);
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
