using Fjord.Coordinator.Groups;
using Fjord.Protocol;
using Fjord.Protocol.Errors;

namespace Fjord.Coordinator.Transactions;

public sealed partial class TransactionCoordinatorService
{
    /// <summary>
    /// Writes one transaction's markers until every partition has its marker or is dropped, then completes the
    /// transaction on the loop. Runs off the loop; stops when the service stops, when a newer producer or
    /// coordinator fenced the markers, or when this node no longer coordinates the transaction under the same epoch.
    /// </summary>
    private async Task WriteMarkersAsync(TransactionMarkerRequest request)
    {
        Interlocked.Increment(ref _markerWritesInFlight);
        try
        {
            var backoff = TimeSpan.FromMilliseconds(_core.Config.MarkerRetryBackoffMs);
            var remaining = request.Partitions;
            while (remaining.Count > 0)
            {
                IReadOnlyDictionary<TransactionPartition, ErrorCode> results;
                try
                {
                    results = await _markers.WriteMarkersAsync(request.ProducerId, request.ProducerEpoch, request.CoordinatorEpoch, request.Commit, remaining, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    LogMarkerWriteFailed(request.TransactionalId, ex);
                    results = new Dictionary<TransactionPartition, ErrorCode>();
                    Interlocked.Increment(ref _markerWriteFailures);
                }

                var retry = new List<TransactionPartition>();
                foreach (var partition in remaining)
                {
                    var error = results.TryGetValue(partition, out var reported) ? reported : ErrorCode.RequestTimedOut;
                    if (error != ErrorCode.None && results.Count > 0)
                    {
                        Interlocked.Increment(ref _markerWriteFailures);
                    }

                    switch (error)
                    {
                        case ErrorCode.None:
                            break;
                        case ErrorCode.UnknownTopicOrPartition or ErrorCode.UnsupportedForMessageFormat or ErrorCode.UnsupportedVersion:
                            // Kafka: a deleted partition (no leader) needs no marker; neither does one the producer could not write to.
                            LogMarkerPartitionDropped(request.TransactionalId, partition.ToString(), error);
                            break;
                        case ErrorCode.InvalidProducerEpoch or ErrorCode.TransactionCoordinatorFenced:
                            LogMarkersFenced(request.TransactionalId, partition.ToString(), error);
                            return;
                        case ErrorCode.CorruptMessage or ErrorCode.MessageTooLarge or ErrorCode.RecordListTooLarge or ErrorCode.InvalidRequiredAcks:
                            // Kafka treats these as fatal bugs; retrying would not help either.
                            LogMarkerWriteFatal(request.TransactionalId, partition.ToString(), error);
                            return;
                        default:
                            retry.Add(partition);
                            break;
                    }
                }

                remaining = retry;
                if (remaining.Count == 0)
                {
                    break;
                }

                LogMarkerRetry(request.TransactionalId, remaining.Count);
                try
                {
                    await Task.Delay(backoff, _time, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                if (!await StillCoordinatesAsync(request).ConfigureAwait(false))
                {
                    LogMarkersAbandoned(request.TransactionalId, request.CoordinatorEpoch);
                    return;
                }
            }

            Enqueue(() => CompleteTransaction(request), ex => LogDeliveryDropped(ex));
        }
        finally
        {
            Interlocked.Decrement(ref _markerWritesInFlight);
        }
    }

    private async Task<bool> StillCoordinatesAsync(TransactionMarkerRequest request)
    {
        try
        {
            return await RunQuery(() => _core.CoordinatorEpoch(_core.PartitionFor(request.TransactionalId)) == request.CoordinatorEpoch).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>Appends the transaction's Complete* record (Kafka's writeTxnCompletion); retried while the log is unavailable. On the loop.</summary>
    private void CompleteTransaction(TransactionMarkerRequest request)
    {
        var output = _core.CompleteTransaction(request);
        if (output.Records.Count == 0)
        {
            return;
        }

        var (failures, commits) = AppendAndReplay(output.Records);
        if (commits is not null)
        {
            _lastCommit = AllSettled(_lastCommit, commits);
        }

        if (failures is null)
        {
            if (request.Commit) Interlocked.Increment(ref _transactionsCommitted);
            else Interlocked.Increment(ref _transactionsAborted);
            return;
        }

        var error = AppendFailures.ToCoordinatorError(failures.Values.First(), offsetCommit: false);
        if (error != ErrorCode.CoordinatorNotAvailable)
        {
            // NOT_COORDINATOR and the like: the partition's next coordinator completes it after loading.
            LogCompletionDropped(request.TransactionalId, error);
            return;
        }

        _ = RetryCompletionAsync(request);
    }

    private async Task RetryCompletionAsync(TransactionMarkerRequest request)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(_core.Config.MarkerRetryBackoffMs), _time, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        Enqueue(() => CompleteTransaction(request), ex => LogDeliveryDropped(ex));
    }
}
