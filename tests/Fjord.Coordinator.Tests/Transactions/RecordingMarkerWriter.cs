using System.Collections.Concurrent;
using Fjord.Coordinator.Transactions;
using Fjord.Protocol.Errors;

namespace Fjord.Coordinator.Tests.Transactions;

/// <summary>
/// A marker writer that records what it was asked and answers from a script: per partition, a queue of
/// errors to return (NONE once the queue is empty). <see cref="Hold"/> keeps calls pending until released or cancelled.
/// Thread-safe.
/// </summary>
internal sealed class RecordingMarkerWriter : ITransactionMarkerWriter
{
    private readonly ConcurrentDictionary<TransactionPartition, ConcurrentQueue<ErrorCode>> _script = new();

    public ConcurrentQueue<Call> Calls { get; } = new();

    /// <summary>When set, every call waits for this task (or its cancellation) before answering.</summary>
    public TaskCompletionSource? Hold { get; set; }

    public void Answer(TransactionPartition partition, params ErrorCode[] errors) =>
        _script[partition] = new ConcurrentQueue<ErrorCode>(errors);

    public async Task<IReadOnlyDictionary<TransactionPartition, ErrorCode>> WriteMarkersAsync(long producerId, short producerEpoch, int coordinatorEpoch, bool commit, IReadOnlyList<TransactionPartition> partitions, CancellationToken cancellationToken)
    {
        Calls.Enqueue(new Call(producerId, producerEpoch, coordinatorEpoch, commit, [.. partitions]));
        if (Hold is { } hold)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }

        var results = new Dictionary<TransactionPartition, ErrorCode>();
        foreach (var partition in partitions)
        {
            results[partition] = _script.TryGetValue(partition, out var queue) && queue.TryDequeue(out var error) ? error : ErrorCode.None;
        }

        return results;
    }

    internal sealed record Call(long ProducerId, short ProducerEpoch, int CoordinatorEpoch, bool Commit, List<TransactionPartition> Partitions);
}
