using Fjord.Protocol.Errors;

namespace Fjord.Broker.Fetch;

/// <summary>
/// The broker's incremental fetch sessions (KIP-227), bounded like Kafka's
/// max.incremental.fetch.session.cache.slots: when full, the least recently used session is
/// evicted and its client falls back to a full fetch after FETCH_SESSION_ID_NOT_FOUND.
/// Thread-safe: a lock guards the table; each session carries its own lock for its contents.
/// </summary>
public sealed class FetchSessionCache(TimeProvider time)
{
    public const int MaxSessions = 1000;

    /// <summary>The epoch that ends a session (and the "no session" epoch of a sessionless fetch).</summary>
    public const int FinalEpoch = -1;

    /// <summary>The epoch that asks for a new session.</summary>
    public const int InitialEpoch = 0;

    private readonly object _lock = new();
    private readonly Dictionary<int, FetchSession> _sessions = [];

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _sessions.Count;
            }
        }
    }

    public FetchSession Create()
    {
        lock (_lock)
        {
            if (_sessions.Count >= MaxSessions)
            {
                var oldest = _sessions.Values.MinBy(s => s.LastUsedTimestamp)!;
                _sessions.Remove(oldest.Id);
            }

            int id;
            do
            {
                id = Random.Shared.Next(1, int.MaxValue);
            }
            while (_sessions.ContainsKey(id));

            var session = new FetchSession(id) { LastUsedTimestamp = time.GetTimestamp() };
            _sessions.Add(id, session);
            return session;
        }
    }

    /// <summary>Finds the session for an incremental fetch and checks its epoch.</summary>
    public ErrorCode TryGet(int sessionId, int epoch, out FetchSession? session)
    {
        lock (_lock)
        {
            if (!_sessions.TryGetValue(sessionId, out session))
            {
                return ErrorCode.FetchSessionIdNotFound;
            }

            if (session.NextEpoch != epoch)
            {
                session = null;
                return ErrorCode.InvalidFetchSessionEpoch;
            }

            session.LastUsedTimestamp = time.GetTimestamp();
            return ErrorCode.None;
        }
    }

    public void Remove(int sessionId)
    {
        lock (_lock)
        {
            _sessions.Remove(sessionId);
        }
    }
}
