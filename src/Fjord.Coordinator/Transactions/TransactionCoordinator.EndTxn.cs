using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Transactions;

public sealed partial class TransactionCoordinator
{
    /// <summary>
    /// EndTxn (v0-5), Kafka's handleEndTransaction. An Ongoing transaction moves to PrepareCommit or
    /// PrepareAbort; the answer is sent once that record is committed, and the markers are written then
    /// (<see cref="TransactionCoordinatorOutput.Markers"/>). A retry of an end already decided answers NONE
    /// when complete with the same decision, CONCURRENT_TRANSACTIONS while its markers are still being written,
    /// INVALID_TXN_STATE for the opposite decision or an Empty transaction.
    /// <para>
    /// v5+ is transaction version 2 (KIP-890 part 2): every end bumps the epoch (a new producer id at epoch 0
    /// once the epoch is exhausted), the response carries the producer id and epoch to use next, markers are
    /// written with the bumped epoch, and a retry is recognised by the client's epoch being one below.
    /// </para>
    /// </summary>
    public TransactionCoordinatorResult<EndTxnResponse> EndTxn(EndTxnRequest request, short version)
    {
        var transactionalId = request.TransactionalId;
        if (string.IsNullOrEmpty(transactionalId))
        {
            return new(EndError(ErrorCode.InvalidRequest));
        }

        var error = Lookup(transactionalId, out var coordinatorEpoch, out var current);
        if (error != ErrorCode.None)
        {
            return new(EndError(error));
        }

        if (current is null)
        {
            return new(EndError(ErrorCode.InvalidProducerIdMapping));
        }

        // Kafka advertises EndTxn v5 only once transaction.version is 2; an older cluster keeps the v0-4 behaviour.
        var clientTransactionVersion = (short)(version >= 5 && _config.TransactionVersion >= 2 ? 2 : 0);
        var producerId = request.ProducerId;
        var producerEpoch = request.ProducerEpoch;
        var isV2 = current.BumpsEpochOnEnd;

        // Transaction version 2: a retry comes with the epoch before the bump, or after a rotation with the old id.
        var retryOnOverflow = isV2 && current.PreviousProducerId == producerId && producerEpoch == short.MaxValue - 1 && current.ProducerEpoch == 0;
        var retryOnEpochBump = isV2 && current.ProducerEpoch == producerEpoch + 1;
        var validEpoch = !isV2
            ? producerEpoch == current.ProducerEpoch
            : current.State switch
            {
                TransactionState.PrepareCommit or TransactionState.PrepareAbort => retryOnEpochBump,
                TransactionState.CompleteCommit or TransactionState.CompleteAbort => retryOnEpochBump || retryOnOverflow,
                _ => producerEpoch == current.ProducerEpoch,
            };

        if (current.ProducerId != producerId && !retryOnOverflow)
        {
            return new(EndError(ErrorCode.InvalidProducerIdMapping));
        }

        if (!validEpoch)
        {
            return new(EndError(ErrorCode.ProducerFenced));
        }

        var commit = request.Committed;
        switch (current.State)
        {
            case TransactionState.Ongoing:
                {
                    var nextProducerId = -1L;
                    if (clientTransactionVersion >= 2 && IsEpochExhausted(current.ProducerEpoch))
                    {
                        if (_producerIds.TryGenerate(out nextProducerId) is var generateError && generateError != ErrorCode.None)
                        {
                            return new(EndError(generateError));
                        }
                    }

                    var prepared = current with
                    {
                        State = commit ? TransactionState.PrepareCommit : TransactionState.PrepareAbort,
                        ProducerEpoch = clientTransactionVersion >= 2 ? (short)(current.ProducerEpoch + 1) : current.ProducerEpoch,
                        LastProducerEpoch = clientTransactionVersion >= 2 ? current.ProducerEpoch : current.LastProducerEpoch,
                        NextProducerId = nextProducerId,
                        ClientTransactionVersion = clientTransactionVersion,
                        LastUpdateTimestampMs = Now,
                    };

                    // After a rotation the client continues with the next producer id (the completion switches to it).
                    var response = nextProducerId != -1
                        ? new EndTxnResponse { ProducerId = nextProducerId, ProducerEpoch = 0 }
                        : new EndTxnResponse { ProducerId = prepared.ProducerId, ProducerEpoch = prepared.ProducerEpoch };
                    return new(response, [new(transactionalId, prepared)], [MarkersFor(transactionalId, prepared, coordinatorEpoch)]);
                }

            case TransactionState.CompleteCommit or TransactionState.CompleteAbort:
                return (current.State == TransactionState.CompleteCommit) == commit
                    ? new(new EndTxnResponse { ProducerId = current.ProducerId, ProducerEpoch = current.ProducerEpoch })
                    : new(EndError(ErrorCode.InvalidTxnState));

            case TransactionState.PrepareCommit or TransactionState.PrepareAbort:
                return (current.State == TransactionState.PrepareCommit) == commit
                    ? new(EndError(ErrorCode.ConcurrentTransactions))
                    : new(EndError(ErrorCode.InvalidTxnState));

            default:
                return new(EndError(ErrorCode.InvalidTxnState));
        }
    }

    /// <summary>
    /// Every marker of <paramref name="markers"/> is written (or its partition is gone): the transaction
    /// completes with a CompleteCommit/CompleteAbort record (Kafka's writeTxnCompletion). Nothing when the
    /// markers are stale: the partition moved or was reloaded (another coordinator epoch), or the transaction
    /// changed meanwhile. The shell appends the record and retries on COORDINATOR_NOT_AVAILABLE.
    /// </summary>
    public TransactionCoordinatorOutput CompleteTransaction(TransactionMarkerRequest markers)
    {
        var partition = PartitionFor(markers.TransactionalId);
        if (!_partitions.TryGetValue(partition, out var entry) || entry.CoordinatorEpoch != markers.CoordinatorEpoch
            || !_transactions.TryGetValue(markers.TransactionalId, out var current)
            || current.ProducerId != markers.ProducerId || current.ProducerEpoch != markers.ProducerEpoch
            || current.State != (markers.Commit ? TransactionState.PrepareCommit : TransactionState.PrepareAbort))
        {
            return TransactionCoordinatorOutput.None;
        }

        var completed = current with
        {
            State = markers.Commit ? TransactionState.CompleteCommit : TransactionState.CompleteAbort,
            Partitions = [],
            NextProducerId = -1,
            LastUpdateTimestampMs = Now,
        };
        if (current.BumpsEpochOnEnd)
        {
            completed = current.NextProducerId != -1
                ? completed with { ProducerId = current.NextProducerId, ProducerEpoch = 0, PreviousProducerId = current.ProducerId, LastProducerEpoch = current.ProducerEpoch }
                : completed with { PreviousProducerId = current.ProducerId, LastProducerEpoch = current.ProducerEpoch };
        }

        return new TransactionCoordinatorOutput([new(markers.TransactionalId, completed)], null);
    }

    private static EndTxnResponse EndError(ErrorCode error) =>
        new() { ErrorCode = (short)error, ProducerId = -1, ProducerEpoch = -1 };
}
