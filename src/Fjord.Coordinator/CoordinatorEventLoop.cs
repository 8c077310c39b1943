using System.Threading.Channels;

namespace Fjord.Coordinator;

/// <summary>
/// The single thread of control a coordinator shell runs its pure core on (Kafka's coordinator event loop):
/// actions queued from any thread run one at a time, in order, so the core needs no locks. An action that
/// throws is reported to its own failure callback and to the loop's, and the loop goes on. A tick enqueued
/// while an earlier one still waits is dropped, so a slow loop is not flooded by its timer.
/// Thread-safety: every member may be called from any thread.
/// </summary>
public sealed class CoordinatorEventLoop(string name, Action<Exception> onActionFailed)
{
    private readonly Channel<WorkItem> _queue = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private int _tickQueued;
    private Task? _loop;

    /// <summary>Starts running queued actions on the thread pool.</summary>
    public void Start() => _loop = Task.Run(RunAsync, CancellationToken.None);

    /// <summary>Queues <paramref name="run"/>; once the loop has stopped, <paramref name="fail"/> gets an <see cref="ObjectDisposedException"/> instead.</summary>
    public void Enqueue(Action run, Action<Exception>? fail = null)
    {
        if (!_queue.Writer.TryWrite(new WorkItem(run, fail)))
        {
            fail?.Invoke(new ObjectDisposedException(name, $"the {name} has stopped"));
        }
    }

    /// <summary>Runs a read-only <paramref name="query"/> on the loop; the task completes on the thread pool.</summary>
    public Task<T> Query<T>(Func<T> query)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(() => completion.TrySetResult(query()), ex => completion.TrySetException(ex));
        return completion.Task;
    }

    /// <summary>Queues <paramref name="tick"/> unless a tick is already waiting to run.</summary>
    public void EnqueueTick(Action tick)
    {
        if (Interlocked.Exchange(ref _tickQueued, 1) == 1)
        {
            return;
        }

        Enqueue(() =>
        {
            Volatile.Write(ref _tickQueued, 0);
            tick();
        });
    }

    /// <summary>Stops taking actions, runs those already queued, and completes when the loop has ended.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RunAsync()
    {
        await foreach (var item in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                item.Run();
            }
            catch (Exception ex)
            {
                onActionFailed(ex);
                item.Fail?.Invoke(ex);
            }
        }
    }

    private readonly record struct WorkItem(Action Run, Action<Exception>? Fail);
}
