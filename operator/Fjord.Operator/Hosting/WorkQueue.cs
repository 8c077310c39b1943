namespace Fjord.Operator.Hosting;

/// <summary>
/// A level-triggered work queue (client-go's workqueue): a key is queued at most once however many events name it; a
/// key being processed is never handed to a second worker — if it is added meanwhile it is queued again when the first
/// worker calls <see cref="Done"/>, so a reconcile always sees the latest state; failures come back after a per-key
/// exponential backoff (<see cref="Retry"/>), "not yet" after a fixed delay (<see cref="AddAfter"/>). Thread-safe; time
/// from the injected TimeProvider so tests drive it.
/// </summary>
public sealed class WorkQueue : IDisposable
{
    private readonly object _lock = new();
    private readonly LinkedList<string> _ready = new();
    private readonly HashSet<string> _queued = new(StringComparer.Ordinal);
    private readonly HashSet<string> _processing = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly List<ITimer> _timers = [];
    private readonly SemaphoreSlim _available = new(0);
    private readonly TimeProvider _time;
    private readonly TimeSpan _baseDelay;
    private readonly TimeSpan _maxDelay;

    public WorkQueue(TimeProvider time, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        _time = time;
        _baseDelay = baseDelay;
        _maxDelay = maxDelay;
    }

    /// <summary>Keys waiting for a worker (the queue depth metric).</summary>
    public int Depth
    {
        get
        {
            lock (_lock)
            {
                return _ready.Count;
            }
        }
    }

    public void Add(string key)
    {
        lock (_lock)
        {
            if (_processing.Contains(key))
            {
                _dirty.Add(key);
                return;
            }
            if (_queued.Add(key))
            {
                _ready.AddLast(key);
                _available.Release();
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
        timer = _time.CreateTimer(_ =>
        {
            lock (_lock)
            {
                _timers.Remove(timer!);
            }
            timer!.Dispose();
            Add(key);
        }, null, delay, Timeout.InfiniteTimeSpan);
        lock (_lock)
        {
            _timers.Add(timer);
        }
    }

    /// <summary>Queue the key again after its backoff: base × 2^(failures so far), at most the max.</summary>
    public TimeSpan Retry(string key)
    {
        int failures;
        lock (_lock)
        {
            failures = _failures.TryGetValue(key, out var f) ? f : 0;
            _failures[key] = failures + 1;
        }
        var delay = TimeSpan.FromTicks(Math.Min(_maxDelay.Ticks, _baseDelay.Ticks * (1L << Math.Min(failures, 30))));
        AddAfter(key, delay);
        return delay;
    }

    /// <summary>A successful reconcile resets the key's backoff.</summary>
    public void Forget(string key)
    {
        lock (_lock)
        {
            _failures.Remove(key);
        }
    }

    /// <summary>Waits for a key and marks it processing; the caller must call <see cref="Done"/>.</summary>
    public async Task<string> TakeAsync(CancellationToken cancel)
    {
        while (true)
        {
            await _available.WaitAsync(cancel);
            lock (_lock)
            {
                if (_ready.First is { } first)
                {
                    _ready.RemoveFirst();
                    _queued.Remove(first.Value);
                    _processing.Add(first.Value);
                    return first.Value;
                }
            }
        }
    }

    public void Done(string key)
    {
        bool again;
        lock (_lock)
        {
            _processing.Remove(key);
            again = _dirty.Remove(key);
        }
        if (again)
        {
            Add(key);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var timer in _timers)
            {
                timer.Dispose();
            }
            _timers.Clear();
        }
        _available.Dispose();
    }
}
