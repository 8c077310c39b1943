using Fjord.Protocol.Errors;
using Fjord.Storage;

namespace Fjord.Broker.Replication;

/// <summary>
/// Kafka's delayed-produce purgatory, keyed by partition: acks=all produce requests wait here until the
/// partition's high watermark reaches their last offset + 1. <see cref="Complete"/> is called whenever a
/// high watermark moves; <see cref="Abort"/> when leadership moves away. Thread-safe (one lock; the
/// lists are short and only touched when a high watermark moves).
/// </summary>
public sealed class HighWatermarkPurgatory
{
    private readonly Lock _lock = new();
    private readonly Dictionary<TopicPartition, List<(long Offset, TaskCompletionSource<ErrorCode> Done)>> _waiters = [];

    /// <summary>Registers a waiter; completes at once when <paramref name="highWatermark"/> already reaches <paramref name="offset"/>.</summary>
    public Task<ErrorCode> Watch(TopicPartition partition, long offset, Func<long> highWatermark)
    {
        var done = new TaskCompletionSource<ErrorCode>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            // Checked under the lock: a Complete racing with this registration either sees the waiter or ran before this read.
            if (highWatermark() >= offset) return Task.FromResult(ErrorCode.None);
            if (!_waiters.TryGetValue(partition, out var list)) _waiters[partition] = list = [];
            list.Add((offset, done));
        }
        return done.Task;
    }

    /// <summary>Completes the waiters of <paramref name="partition"/> whose offset the high watermark has reached.</summary>
    public void Complete(TopicPartition partition, long highWatermark)
    {
        List<TaskCompletionSource<ErrorCode>>? ready = null;
        lock (_lock)
        {
            if (!_waiters.TryGetValue(partition, out var list)) return;
            for (var i = list.Count - 1; i >= 0; i--)
            {
                if (list[i].Offset > highWatermark) continue;
                (ready ??= []).Add(list[i].Done);
                list.RemoveAt(i);
            }
            if (list.Count == 0) _waiters.Remove(partition);
        }
        if (ready is null) return;
        foreach (var done in ready) done.TrySetResult(ErrorCode.None);
    }

    /// <summary>Fails every waiter of <paramref name="partition"/> with <paramref name="error"/> (leadership lost).</summary>
    public void Abort(TopicPartition partition, ErrorCode error)
    {
        List<(long Offset, TaskCompletionSource<ErrorCode> Done)>? list;
        lock (_lock)
        {
            if (!_waiters.Remove(partition, out list)) return;
        }
        foreach (var (_, done) in list) done.TrySetResult(error);
    }

    /// <summary>Removes a waiter that timed out or was cancelled.</summary>
    public void Forget(TopicPartition partition, Task<ErrorCode> waiter)
    {
        lock (_lock)
        {
            if (!_waiters.TryGetValue(partition, out var list)) return;
            list.RemoveAll(w => w.Done.Task == waiter);
            if (list.Count == 0) _waiters.Remove(partition);
        }
    }
}
