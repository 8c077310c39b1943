namespace Fjord.Operator.Hosting;

/// <summary>
/// Tells a new Event from a repeat, as client-go's EventCorrelator does: the same <see cref="EventKey"/> seen again
/// within <see cref="Window"/> of its last occurrence bumps the existing Event's count instead of creating another, so a
/// condition that persists across reconciles is one Event with a growing count, not one Event per reconcile. Remembers
/// at most <see cref="Capacity"/> Events (the longest unseen is forgotten first, like client-go's LRU cache). Time
/// comes in as an argument. Thread-safe.
/// </summary>
public sealed class EventCorrelator
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);
    public const int Capacity = 4096;
    private readonly Dictionary<EventKey, Seen> _seen = [];
    private long _sequence;

    /// <summary>Records an occurrence of <paramref name="key"/> at <paramref name="now"/> and answers how to write it.</summary>
    public EventDecision Observe(EventKey key, DateTimeOffset now)
    {
        lock (_seen)
        {
            if (_seen.TryGetValue(key, out var seen) && now - seen.Last <= Window)
            {
                var repeated = seen with { Count = seen.Count + 1, Last = now };
                _seen[key] = repeated;
                return new EventDecision(seen.Name, repeated.Count, seen.First, IsNew: false);
            }
            if (_seen.Count >= Capacity && !_seen.ContainsKey(key))
            {
                _seen.Remove(_seen.MinBy(s => s.Value.Last).Key);
            }
            // client-go names Events <object>.<unix nanoseconds in hex>; the sequence keeps two in one tick apart.
            var name = $"{key.Name}.{now.ToUnixTimeMilliseconds() * 1_000_000 + (++_sequence % 1_000_000):x}";
            _seen[key] = new Seen(name, 1, now, now);
            return new EventDecision(name, 1, now, IsNew: true);
        }
    }

    /// <summary>Forgets <paramref name="key"/> (its Event is gone from the API server: the next occurrence creates a new one).</summary>
    public void Forget(EventKey key)
    {
        lock (_seen)
        {
            _seen.Remove(key);
        }
    }

    private sealed record Seen(string Name, int Count, DateTimeOffset First, DateTimeOffset Last);
}
