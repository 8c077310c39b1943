using Fjord.Protocol;

namespace Fjord.Broker.Fetch;

/// <summary>
/// One incremental fetch session (KIP-227): the partitions a client fetches, their fetch
/// positions, and what the client was last told about each, so that an incremental response
/// carries only partitions that changed. Used by one fetch at a time (the cache hands it out
/// under the session's own lock); not otherwise thread-safe.
/// </summary>
public sealed class FetchSession(int id)
{
    private readonly Dictionary<FetchPartitionKey, CachedFetchPartition> _partitions = [];

    public int Id { get; } = id;

    /// <summary>The epoch the next incremental request must carry.</summary>
    public int NextEpoch { get; set; } = 1;

    public long LastUsedTimestamp { get; set; }

    public object Lock { get; } = new();

    /// <summary>Partitions in the order they were added, as the response lists them.</summary>
    public List<CachedFetchPartition> Ordered { get; } = [];

    public CachedFetchPartition AddOrUpdate(
        FetchPartitionKey key, string? topicName, long fetchOffset, long logStartOffset, int maxBytes, int currentLeaderEpoch, int lastFetchedEpoch)
    {
        if (!_partitions.TryGetValue(key, out var cached))
        {
            cached = new CachedFetchPartition(key, topicName);
            _partitions.Add(key, cached);
            Ordered.Add(cached);
        }

        cached.FetchOffset = fetchOffset;
        cached.LogStartOffset = logStartOffset;
        cached.MaxBytes = maxBytes;
        cached.CurrentLeaderEpoch = currentLeaderEpoch;
        cached.LastFetchedEpoch = lastFetchedEpoch;
        return cached;
    }

    public void Remove(FetchPartitionKey key)
    {
        if (_partitions.Remove(key, out var cached))
        {
            Ordered.Remove(cached);
        }
    }
}

/// <summary>A partition as a fetch names it: by topic name before v13, by topic id from v13.</summary>
public readonly record struct FetchPartitionKey(string? TopicName, Uuid TopicId, int Partition);

/// <summary>A partition's fetch position and the last state sent for it. Owned by its <see cref="FetchSession"/>.</summary>
public sealed class CachedFetchPartition(FetchPartitionKey key, string? topicName)
{
    public FetchPartitionKey Key { get; } = key;

    /// <summary>The topic's name, or null when a topic id did not resolve to a topic.</summary>
    public string? TopicName { get; } = topicName;

    public long FetchOffset { get; set; }

    /// <summary>The fetcher's own log start offset (v5+): followers send theirs, consumers -1.</summary>
    public long LogStartOffset { get; set; } = -1;

    public int MaxBytes { get; set; }

    public int CurrentLeaderEpoch { get; set; } = -1;

    /// <summary>The epoch of the last batch the fetcher holds (Fetch v12+, KIP-595), or -1; checked for divergence.</summary>
    public int LastFetchedEpoch { get; set; } = -1;

    public long LastSentHighWatermark { get; set; } = -1;

    public long LastSentLogStartOffset { get; set; } = -1;
}
