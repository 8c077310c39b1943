using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Fjord.KubeLocal.Node.Api;

/// <summary>
/// client-go's rate-limited work queue for one controller: a key is queued at most once, a key added while it is
/// being processed is processed again afterwards (so no change is lost and no key runs twice at once), failures
/// retry after 100 ms doubling to 10 s, and a reconcile may ask to run again after a delay. One worker.
/// Add may be called from any thread.
/// </summary>
internal sealed partial class WorkQueue(string name, TimeProvider time, ILogger logger)
{
    private readonly Channel<string> _ready = Channel.CreateUnbounded<string>();
    private readonly HashSet<string> _queued = [];
    private readonly HashSet<string> _processing = [];
    private readonly HashSet<string> _again = [];
    private readonly Dictionary<string, int> _failures = [];
    private readonly Lock _lock = new();

    public void Add(string key)
    {
        lock (_lock)
        {
            if (_processing.Contains(key))
            {
                _again.Add(key);
                return;
            }
            if (_queued.Add(key))
            {
                _ready.Writer.TryWrite(key);
            }
        }
    }

    public void AddAfter(string key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }
        ITimer? timer = null;
        timer = time.CreateTimer(_ =>
        {
            Add(key);
            timer?.Dispose();
        }, null, delay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Runs <paramref name="reconcile"/> for each key; it returns a delay to run the key again, or null.</summary>
    public async Task RunAsync(Func<string, CancellationToken, Task<TimeSpan?>> reconcile, CancellationToken cancel)
    {
        try
        {
            await foreach (var key in _ready.Reader.ReadAllAsync(cancel))
            {
                lock (_lock)
                {
                    _queued.Remove(key);
                    _processing.Add(key);
                }
                TimeSpan? again;
                try
                {
                    again = await reconcile(key, cancel);
                    _failures.Remove(key);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancel.IsCancellationRequested)
                {
                    var failures = _failures.GetValueOrDefault(key) + 1;
                    _failures[key] = failures;
                    again = TimeSpan.FromMilliseconds(Math.Min(10_000, 100 * Math.Pow(2, Math.Min(failures - 1, 10))));
                    if (e is NullReferenceException or InvalidOperationException or ArgumentException)
                    {
                        // A bug rather than the API saying no: keep the stack.
                        LogBug(logger, name, key, e);
                    }
                    else
                    {
                        LogFailed(logger, name, key, again.Value.TotalMilliseconds, e.Message);
                    }
                }
                lock (_lock)
                {
                    _processing.Remove(key);
                    if (_again.Remove(key) && _queued.Add(key))
                    {
                        _ready.Writer.TryWrite(key);
                    }
                }
                if (again is { } delay)
                {
                    AddAfter(key, delay);
                }
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "{Queue} {Key}: sync failed, retrying in {DelayMs} ms: {Reason}")]
    private static partial void LogFailed(ILogger logger, string queue, string key, double delayMs, string reason);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "{Queue} {Key}: sync failed")]
    private static partial void LogBug(ILogger logger, string queue, string key, Exception exception);
}
