namespace Fjord.Chaos.Checking;

/// <summary>
/// Liveness under faults: for each client (a producer slot, a consumer) the longest time it went without progress
/// (an acknowledgement, a record handed to it) while the faults ran. Single faults heal within seconds, so a client
/// that stays stuck far longer than any fault means the cluster stopped serving it: no data is lost, but no data
/// moves either. Thread-safe: delivery handlers and consumer loops report concurrently.
/// </summary>
public sealed class LivenessTracker
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ClientProgress> _clients = new(StringComparer.Ordinal);

    /// <summary>Starts watching <paramref name="clients"/> at <paramref name="nowUtc"/>; a client that never progresses is stalled from here.</summary>
    public void Start(IEnumerable<string> clients, DateTime nowUtc)
    {
        lock (_lock)
        {
            foreach (var client in clients) _clients[client] = new ClientProgress(nowUtc);
        }
    }

    /// <summary><paramref name="client"/> made progress at <paramref name="nowUtc"/>; ignored for clients not started (or after <see cref="Stop"/>).</summary>
    public void Progressed(string client, DateTime nowUtc)
    {
        lock (_lock)
        {
            if (_clients.TryGetValue(client, out var progress)) progress.Record(nowUtc);
        }
    }

    /// <summary>Ends the watch at <paramref name="nowUtc"/> (a stall still running counts up to here) and returns every client's longest stall.</summary>
    public IReadOnlyList<Stall> Stop(DateTime nowUtc)
    {
        lock (_lock)
        {
            var stalls = _clients.Select(c => c.Value.Longest(c.Key, nowUtc)).OrderBy(s => s.Client, StringComparer.Ordinal).ToList();
            _clients.Clear();
            return stalls;
        }
    }

    private sealed class ClientProgress(DateTime startUtc)
    {
        private DateTime _last = startUtc;
        private DateTime _longestFrom = startUtc;
        private TimeSpan _longest;

        public void Record(DateTime nowUtc)
        {
            if (nowUtc - _last > _longest) (_longest, _longestFrom) = (nowUtc - _last, _last);
            if (nowUtc > _last) _last = nowUtc;
        }

        public Stall Longest(string client, DateTime endUtc)
        {
            Record(endUtc);
            return new Stall(client, _longestFrom, _longestFrom + _longest);
        }
    }
}

/// <summary>The longest time <see cref="Client"/> made no progress: from <see cref="FromUtc"/> to <see cref="ToUtc"/>. Immutable.</summary>
public sealed record Stall(string Client, DateTime FromUtc, DateTime ToUtc)
{
    public TimeSpan Length => ToUtc - FromUtc;

    public override string ToString() => $"{Client}: no progress for {Length.TotalSeconds:F0} s, {FromUtc:HH:mm:ss}-{ToUtc:HH:mm:ss}";
}
