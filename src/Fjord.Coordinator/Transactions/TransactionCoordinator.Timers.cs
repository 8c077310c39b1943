namespace Fjord.Coordinator.Transactions;

public sealed partial class TransactionCoordinator
{
    /// <summary>
    /// Evaluates the coordinator's deadlines at the TimeProvider's now; the shell calls it periodically.
    /// Every transaction.abort.timed.out.transaction.cleanup.interval.ms, Ongoing transactions older than
    /// their timeout are aborted with a bumped epoch, which fences their producer (its next request gets
    /// PRODUCER_FENCED). Every transaction.remove.expired.transaction.cleanup.interval.ms, transactional ids
    /// idle (Empty/Complete*) for transactional.id.expiration.ms get a tombstone. Only loaded partitions are looked at.
    /// </summary>
    public TransactionCoordinatorOutput Tick()
    {
        var now = Now;
        List<TransactionLogRecord>? records = null;
        List<TransactionMarkerRequest>? markers = null;
        if (Due(ref _nextTimeoutCheckMs, _config.TransactionAbortTimedOutTransactionCleanupIntervalMs, now))
        {
            foreach (var (transactionalId, value) in _transactions)
            {
                if (value.State != TransactionState.Ongoing || value.StartTimestampMs + value.TransactionTimeoutMs >= now
                    || !IsActive(transactionalId, out var coordinatorEpoch) || FenceAndAbort(value, now) is not { } aborted)
                {
                    continue;
                }

                (records ??= []).Add(new(transactionalId, aborted));
                (markers ??= []).Add(MarkersFor(transactionalId, aborted, coordinatorEpoch));
            }
        }

        if (Due(ref _nextExpirationCheckMs, _config.TransactionRemoveExpiredTransactionCleanupIntervalMs, now))
        {
            foreach (var (transactionalId, value) in _transactions)
            {
                if (TransactionStates.IsExpirationAllowed(value.State)
                    && value.LastUpdateTimestampMs <= now - _config.TransactionalIdExpirationMs
                    && IsActive(transactionalId, out _))
                {
                    (records ??= []).Add(new(transactionalId, null));
                }
            }
        }

        return new TransactionCoordinatorOutput(records, markers);
    }

    /// <summary>True (and the next deadline set) when a periodic check is due; the first call only arms it.</summary>
    private static bool Due(ref long nextCheckMs, long intervalMs, long now)
    {
        if (now < nextCheckMs)
        {
            return false;
        }

        var armed = nextCheckMs >= 0;
        nextCheckMs = now + intervalMs;
        return armed;
    }

    private bool IsActive(string transactionalId, out int coordinatorEpoch)
    {
        coordinatorEpoch = -1;
        if (!_partitions.TryGetValue(PartitionFor(transactionalId), out var entry) || entry.State != Groups.CoordinatorPartitionState.Active)
        {
            return false;
        }

        coordinatorEpoch = entry.CoordinatorEpoch;
        return true;
    }
}
