namespace Fjord.Coordinator.Transactions;

/// <summary>
/// "Write these transaction markers": the decision of a transaction (<paramref name="Commit"/>) to be
/// written as control records to each of <paramref name="Partitions"/> for <paramref name="ProducerId"/>
/// at <paramref name="ProducerEpoch"/>, stamped with the coordinator epoch (the <c>__transaction_state</c>
/// partition's leader epoch) so partition leaders reject markers of a deposed coordinator. Once every
/// partition has its marker, the shell reports it with <see cref="TransactionCoordinator.CompleteTransaction"/>. Immutable.
/// </summary>
public sealed record TransactionMarkerRequest(
    string TransactionalId,
    long ProducerId,
    short ProducerEpoch,
    int CoordinatorEpoch,
    bool Commit,
    IReadOnlyList<TransactionPartition> Partitions);
