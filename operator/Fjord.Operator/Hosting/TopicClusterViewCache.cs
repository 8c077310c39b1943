using Fjord.Operator.Topics;

namespace Fjord.Operator.Hosting;

/// <summary>
/// One <see cref="TopicClusterView"/> per FjordCluster, shared by every FjordTopic reconcile on it: a view younger than
/// <see cref="MaxAge"/> is reused, so a pass over 1,000 FjordTopics costs one DescribeTopics, not 1,000; a fetch in
/// flight is awaited by the others rather than repeated. Mutations patch the view with the topic description the
/// admin call answered (<see cref="Update"/>) or drop it (<see cref="Invalidate"/>) when the answer cannot say what
/// changed. Thread-safe.
/// </summary>
public sealed class TopicClusterViewCache
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(2);
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public TopicClusterViewCache(TimeProvider time) => _time = time;

    public async Task<TopicClusterView> GetAsync(string clusterKey, Func<CancellationToken, Task<TopicClusterView>> fetch, CancellationToken cancel)
    {
        var entry = EntryFor(clusterKey);
        if (Fresh(entry) is { } view)
        {
            return view;
        }
        await entry.Gate.WaitAsync(cancel);
        try
        {
            if (Fresh(entry) is { } fetchedMeanwhile)
            {
                return fetchedMeanwhile;
            }
            var started = _time.GetTimestamp();
            var fetched = await fetch(cancel);
            lock (_entries)
            {
                entry.View = fetched;
                entry.FetchedAt = started;
            }
            return fetched;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>The cached view with <paramref name="topic"/> described anew (<paramref name="basis"/> when none is cached).</summary>
    public TopicClusterView Update(string clusterKey, TopicClusterView basis, ObservedTopic topic)
    {
        var entry = EntryFor(clusterKey);
        lock (_entries)
        {
            entry.View = (entry.View ?? basis).With(topic);
            return entry.View;
        }
    }

    /// <summary>The cached view without the topic <paramref name="name"/> (just deleted).</summary>
    public TopicClusterView Remove(string clusterKey, TopicClusterView basis, string name)
    {
        var entry = EntryFor(clusterKey);
        lock (_entries)
        {
            entry.View = (entry.View ?? basis).Without(name);
            return entry.View;
        }
    }

    /// <summary>The next reconcile on the cluster describes it again.</summary>
    public void Invalidate(string clusterKey)
    {
        lock (_entries)
        {
            if (_entries.TryGetValue(clusterKey, out var entry))
            {
                entry.View = null;
            }
        }
    }

    private Entry EntryFor(string clusterKey)
    {
        lock (_entries)
        {
            if (!_entries.TryGetValue(clusterKey, out var entry))
            {
                entry = new Entry();
                _entries[clusterKey] = entry;
            }
            return entry;
        }
    }

    private TopicClusterView? Fresh(Entry entry)
    {
        lock (_entries)
        {
            return entry.View is { } view && _time.GetElapsedTime(entry.FetchedAt) < MaxAge ? view : null;
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public TopicClusterView? View { get; set; }

        public long FetchedAt { get; set; }
    }
}
