namespace Fjord.Coordinator.Transactions;

/// <summary>
/// One record of the compacted <c>__transaction_state</c> topic, decoded: key TransactionLogKey v0
/// (the transactional id), value the state after a transition, or null for a tombstone (the id
/// expired; compaction then drops every older record of it). Immutable; safe from any thread.
/// </summary>
public sealed record TransactionLogRecord(string TransactionalId, TransactionLogValue? Value)
{
    public bool IsTombstone => Value is null;
}
