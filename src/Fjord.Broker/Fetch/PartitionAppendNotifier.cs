using System.Collections.Concurrent;
using Fjord.Storage;

namespace Fjord.Broker.Fetch;

/// <summary>
/// Wakes long-polling fetches when a partition they wait on gets new records. Each partition has
/// a current "next append" task; an append completes it and installs a fresh one, so a waiter that
/// took the task before re-checking the log cannot miss an append. Thread-safe.
/// </summary>
public sealed class PartitionAppendNotifier
{
    private readonly ConcurrentDictionary<TopicPartition, TaskCompletionSource> _signals = new();

    /// <summary>A task that completes at the next append to <paramref name="partition"/>.</summary>
    public Task NextAppend(TopicPartition partition) =>
        _signals.GetOrAdd(partition, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void NotifyAppended(TopicPartition partition)
    {
        if (_signals.TryRemove(partition, out var signal))
        {
            signal.TrySetResult();
        }
    }
}
