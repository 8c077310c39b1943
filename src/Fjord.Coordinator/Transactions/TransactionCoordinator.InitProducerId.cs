using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Transactions;

public sealed partial class TransactionCoordinator
{
    /// <summary>
    /// InitProducerId (v0-5). No transactional id: a fresh producer id at epoch 0 for an idempotent
    /// producer, nothing stored. Otherwise, as Kafka's handleInitProducerId:
    /// <list type="bullet">
    /// <item>an empty id is INVALID_REQUEST; a timeout above transaction.max.timeout.ms (or not positive) INVALID_TRANSACTION_TIMEOUT;</item>
    /// <item>a new id gets a fresh producer id at epoch 0; an Empty or Complete* one an epoch bump (a new producer
    /// id at epoch 0 once the epoch is exhausted);</item>
    /// <item>v3+ (KIP-360) may name the producer id and epoch the client had: a stale pair is PRODUCER_FENCED,
    /// the pair just replaced (a retry) gets the same answer again;</item>
    /// <item>Ongoing: the transaction is aborted first with a bumped epoch, which fences the old producer; the
    /// answer is CONCURRENT_TRANSACTIONS, and the client's retry (once the abort completed) bumps the epoch again;</item>
    /// <item>PrepareCommit/PrepareAbort: CONCURRENT_TRANSACTIONS.</item>
    /// </list>
    /// The answer is sent once the record is committed.
    /// </summary>
    public TransactionCoordinatorResult<InitProducerIdResponse> InitProducerId(InitProducerIdRequest request)
    {
        var transactionalId = request.TransactionalId;
        if (transactionalId is null)
        {
            return _producerIds.TryGenerate(out var idempotentId) is var idError && idError != ErrorCode.None
                ? new(InitError(idError))
                : new(new InitProducerIdResponse { ProducerId = idempotentId, ProducerEpoch = 0 });
        }

        if (transactionalId.Length == 0)
        {
            return new(InitError(ErrorCode.InvalidRequest));
        }

        if (request.TransactionTimeoutMs <= 0 || request.TransactionTimeoutMs > _config.TransactionMaxTimeoutMs)
        {
            return new(InitError(ErrorCode.InvalidTransactionTimeout));
        }

        (long ProducerId, short Epoch)? expected = null;
        if (request.ProducerId != -1 || request.ProducerEpoch != -1)
        {
            if (request.ProducerId == -1 || request.ProducerEpoch == -1)
            {
                return new(InitError(ErrorCode.InvalidRequest));
            }

            expected = (request.ProducerId, request.ProducerEpoch);
        }

        var error = Lookup(transactionalId, out var coordinatorEpoch, out var current);
        if (error != ErrorCode.None)
        {
            return new(InitError(error));
        }

        var now = Now;
        if (current is null)
        {
            // A new transactional id: its producer id is taken now, its epoch becomes 0 below.
            if (_producerIds.TryGenerate(out var producerId) is var generateError && generateError != ErrorCode.None)
            {
                return new(InitError(generateError));
            }

            current = new TransactionLogValue
            {
                ProducerId = producerId,
                ProducerEpoch = -1,
                TransactionTimeoutMs = request.TransactionTimeoutMs,
                State = TransactionState.Empty,
                LastUpdateTimestampMs = now,
            };
        }

        if (expected is { } pair && !IsValidProducerId(current, pair))
        {
            return new(InitError(ErrorCode.ProducerFenced));
        }

        switch (current.State)
        {
            case TransactionState.PrepareCommit or TransactionState.PrepareAbort:
                return new(InitError(ErrorCode.ConcurrentTransactions));

            case TransactionState.Ongoing:
                {
                    // Kafka's PrepareEpochFence then PrepareAbort, written as one PrepareAbort record with the bumped
                    // epoch: the epoch is never returned, the client retries and bumps once more.
                    var fenced = FenceAndAbort(current, now);
                    if (fenced is null)
                    {
                        return new(InitError(ErrorCode.UnknownServerError));
                    }

                    return new(InitError(ErrorCode.ConcurrentTransactions), [new(transactionalId, fenced)], [MarkersFor(transactionalId, fenced, coordinatorEpoch)]);
                }

            default:
                {
                    var next = BumpForInit(current, request.TransactionTimeoutMs, expected, now, out var bumpError);
                    if (next is null)
                    {
                        return new(InitError(bumpError));
                    }

                    var response = new InitProducerIdResponse { ProducerId = next.ProducerId, ProducerEpoch = next.ProducerEpoch };
                    return new(response, [new(transactionalId, next)]);
                }
        }
    }

    /// <summary>
    /// KIP-360: the producer id the client names may continue if the id was just created, is the current one
    /// (its epoch is checked when bumping), or is the one replaced after the client's exhausted epoch (a retry).
    /// </summary>
    private static bool IsValidProducerId(TransactionLogValue current, (long ProducerId, short Epoch) expected) =>
        current.ProducerEpoch == -1
        || expected.ProducerId == current.ProducerId
        || (expected.ProducerId == current.PreviousProducerId && IsEpochExhausted(expected.Epoch));

    /// <summary>Kafka's prepareIncrementProducerEpoch / prepareProducerIdRotation for an Empty or Complete* transaction.</summary>
    private TransactionLogValue? BumpForInit(TransactionLogValue current, int timeoutMs, (long ProducerId, short Epoch)? expected, long now, out ErrorCode error)
    {
        error = ErrorCode.None;
        var idle = current with
        {
            TransactionTimeoutMs = timeoutMs,
            State = TransactionState.Empty,
            Partitions = [],
            StartTimestampMs = -1,
            LastUpdateTimestampMs = now,
            NextProducerId = -1,
            PreviousProducerId = current.ProducerId,
        };

        if (IsEpochExhausted(current.ProducerEpoch) && (expected is null || expected.Value.Epoch == current.ProducerEpoch))
        {
            error = _producerIds.TryGenerate(out var rotated);
            return error != ErrorCode.None ? null : idle with
            {
                ProducerId = rotated,
                ProducerEpoch = 0,
                LastProducerEpoch = expected is null ? (short)-1 : current.ProducerEpoch,
            };
        }

        var bumped = (short)(current.ProducerEpoch + 1);
        if (expected is not { } pair)
        {
            return idle with { ProducerEpoch = bumped, LastProducerEpoch = -1 };
        }

        if (current.ProducerEpoch == -1 || pair.Epoch == current.ProducerEpoch)
        {
            // The producer continues after an error and nobody else initialised the id meanwhile.
            return idle with { ProducerEpoch = bumped, LastProducerEpoch = current.ProducerEpoch };
        }

        if (pair.Epoch == current.LastProducerEpoch)
        {
            // A retry of a bump that succeeded: the same answer again, no second bump.
            return idle with { LastProducerEpoch = current.LastProducerEpoch };
        }

        error = ErrorCode.ProducerFenced;
        return null;
    }

    /// <summary>
    /// Kafka's prepareFenceProducerEpoch followed by the abort it starts (for a fencing InitProducerId and for a
    /// timeout): PrepareAbort with the epoch bumped, so the producer's later requests are fenced. The abort runs
    /// at the cluster's transaction version, as in Kafka: from version 2 it bumps the epoch once more, like every
    /// end of a transaction (so a version-2 producer's retry with its old epoch is not mistaken for a retry of
    /// this end). Null when the epoch cannot grow any more (Kafka fails the same way).
    /// </summary>
    private TransactionLogValue? FenceAndAbort(TransactionLogValue current, long now)
    {
        if (current.ProducerEpoch == short.MaxValue)
        {
            return null;
        }

        var fenced = (short)(current.ProducerEpoch + 1);
        var bumpAgain = _config.TransactionVersion >= 2 && fenced < short.MaxValue;
        return current with
        {
            State = TransactionState.PrepareAbort,
            ProducerEpoch = bumpAgain ? (short)(fenced + 1) : fenced,
            LastProducerEpoch = bumpAgain ? fenced : (short)-1,
            NextProducerId = -1,
            ClientTransactionVersion = _config.TransactionVersion,
            LastUpdateTimestampMs = now,
        };
    }

    private static InitProducerIdResponse InitError(ErrorCode error) =>
        new() { ErrorCode = (short)error, ProducerId = -1, ProducerEpoch = -1 };
}
