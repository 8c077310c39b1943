using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Coordinator.Groups;
using Fjord.Protocol.Errors;

namespace Fjord.Coordinator.Transactions;

/// <summary>
/// Kafka's transaction coordinator (TransactionCoordinator + TransactionStateManager +
/// TransactionMetadata) as a pure state machine: InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn,
/// EndTxn and the admin APIs go in as commands, <see cref="Tick"/> aborts timed-out transactions and expires
/// idle transactional ids against the injected <see cref="TimeProvider"/>, and every command returns
/// records for <c>__transaction_state</c>, marker writes to start once those records are committed, and
/// its answer.
/// <para>
/// The state of a transactional id changes only through <see cref="Replay"/>: each record's value is the
/// whole state after its transition, so the shell replays what it appended and loading replays what it
/// reads back, and both end in the same state. Kafka's in-memory "pending state" (a transition waiting
/// for its append) is not needed: the shell replays a record as soon as it is in the leader's log, on the
/// same event loop, so the next command already sees it.
/// </para>
/// Not thread-safe: owned by one event loop (<see cref="TransactionCoordinatorService"/>), no locks inside.
/// </summary>
public sealed partial class TransactionCoordinator
{
    /// <summary>Kafka's TRANSACTION_ABORTABLE (KIP-890/KIP-1050): a verified partition is not part of the transaction.</summary>
    public const ErrorCode TransactionAbortable = (ErrorCode)120;

    private readonly TransactionCoordinatorConfig _config;
    private readonly TimeProvider _time;
    private readonly IProducerIdGenerator _producerIds;
    private readonly Dictionary<string, TransactionLogValue> _transactions = new(StringComparer.Ordinal);
    private readonly Dictionary<int, (CoordinatorPartitionState State, int CoordinatorEpoch)> _partitions = [];
    private long _nextTimeoutCheckMs = -1;
    private long _nextExpirationCheckMs = -1;

    public TransactionCoordinator(TransactionCoordinatorConfig config, TimeProvider time, IProducerIdGenerator producerIds)
    {
        _config = config;
        _time = time;
        _producerIds = producerIds;
    }

    public TransactionCoordinatorConfig Config => _config;

    /// <summary>The <c>__transaction_state</c> partition of <paramref name="transactionalId"/> (Kafka's abs(hashCode) % partitions).</summary>
    public int PartitionFor(string transactionalId) =>
        ConsumerOffsetsPartitioner.PartitionFor(transactionalId, _config.TransactionStateLogNumPartitions);

    /// <summary>The state of <paramref name="transactionalId"/> as this node knows it, or null.</summary>
    public TransactionLogValue? TryGetTransaction(string transactionalId) => _transactions.GetValueOrDefault(transactionalId);

    /// <summary>Every transactional id this node knows, with its state (loaded partitions and partitions being loaded).</summary>
    public IReadOnlyDictionary<string, TransactionLogValue> Transactions => _transactions;

    public CoordinatorPartitionState? PartitionState(int partition) =>
        _partitions.TryGetValue(partition, out var entry) ? entry.State : null;

    /// <summary>The coordinator epoch (leader epoch of the partition) this node coordinates <paramref name="partition"/> under, or null.</summary>
    public int? CoordinatorEpoch(int partition) =>
        _partitions.TryGetValue(partition, out var entry) ? entry.CoordinatorEpoch : null;

    /// <summary>
    /// This node became leader of <paramref name="partition"/> at <paramref name="coordinatorEpoch"/>: whatever it
    /// knew of the partition is dropped, and its transactional ids answer COORDINATOR_LOAD_IN_PROGRESS until
    /// <see cref="CompleteLoading"/>. The shell then replays the partition's records.
    /// </summary>
    public void BeginLoading(int partition, int coordinatorEpoch)
    {
        RemoveTransactionsOf(partition);
        _partitions[partition] = (CoordinatorPartitionState.Loading, coordinatorEpoch);
    }

    /// <summary>
    /// Every record of <paramref name="partition"/> is replayed: its transactional ids become servable, and the
    /// transactions found in PrepareCommit/PrepareAbort resume writing their markers (Kafka's load does the same).
    /// </summary>
    public TransactionCoordinatorOutput CompleteLoading(int partition)
    {
        if (!_partitions.TryGetValue(partition, out var entry))
        {
            return TransactionCoordinatorOutput.None;
        }

        _partitions[partition] = (CoordinatorPartitionState.Active, entry.CoordinatorEpoch);
        List<TransactionMarkerRequest>? markers = null;
        foreach (var (transactionalId, value) in _transactions)
        {
            if (TransactionStates.IsPrepare(value.State) && PartitionFor(transactionalId) == partition)
            {
                (markers ??= []).Add(MarkersFor(transactionalId, value, entry.CoordinatorEpoch));
            }
        }

        return new TransactionCoordinatorOutput(null, markers);
    }

    /// <summary>This node no longer leads <paramref name="partition"/>: its transactional ids are forgotten and get NOT_COORDINATOR.</summary>
    public void Unload(int partition)
    {
        _partitions.Remove(partition);
        RemoveTransactionsOf(partition);
    }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Kafka's getTransactionState: load state and ownership of the id's partition, then its state (null: unknown id).</summary>
    private ErrorCode Lookup(string transactionalId, out int coordinatorEpoch, out TransactionLogValue? value)
    {
        value = null;
        coordinatorEpoch = -1;
        if (!_partitions.TryGetValue(PartitionFor(transactionalId), out var entry))
        {
            return ErrorCode.NotCoordinator;
        }

        if (entry.State == CoordinatorPartitionState.Loading)
        {
            return ErrorCode.CoordinatorLoadInProgress;
        }

        coordinatorEpoch = entry.CoordinatorEpoch;
        value = _transactions.GetValueOrDefault(transactionalId);
        return ErrorCode.None;
    }

    private static TransactionMarkerRequest MarkersFor(string transactionalId, TransactionLogValue value, int coordinatorEpoch) =>
        new(transactionalId, value.ProducerId, value.ProducerEpoch, coordinatorEpoch, value.State == TransactionState.PrepareCommit, value.Partitions);

    /// <summary>Kafka's isEpochExhausted: an epoch this high must not be bumped again (the last one is kept for fencing).</summary>
    private static bool IsEpochExhausted(short epoch) => epoch >= short.MaxValue - 1;

    private void RemoveTransactionsOf(int partition)
    {
        foreach (var transactionalId in _transactions.Keys.ToList())
        {
            if (PartitionFor(transactionalId) == partition)
            {
                _transactions.Remove(transactionalId);
            }
        }
    }
}
