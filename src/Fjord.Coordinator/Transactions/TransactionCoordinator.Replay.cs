namespace Fjord.Coordinator.Transactions;

public sealed partial class TransactionCoordinator
{
    /// <summary>
    /// Applies one record of <c>__transaction_state</c>: the only way a transactional id's state changes.
    /// Called by the shell for each record it appended (in order, once the append succeeded) and for each
    /// record read back while loading. A value replaces the id's state; a tombstone forgets the id.
    /// Replaying any prefix of a partition's records yields the state that prefix describes.
    /// </summary>
    public void Replay(TransactionLogRecord record)
    {
        if (record.Value is null)
        {
            _transactions.Remove(record.TransactionalId);
            return;
        }

        _transactions[record.TransactionalId] = record.Value;
    }
}
