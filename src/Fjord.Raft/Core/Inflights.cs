namespace Fjord.Raft;

/// <summary>
/// A bounded window of append messages sent to one follower and not yet acknowledged, recorded by
/// the last index each carried. Bounding it keeps a slow follower from making the leader buffer
/// unboundedly (etcd's flow control). Not thread-safe; owned by the leader's <see cref="RaftNode"/>.
/// </summary>
internal sealed class Inflights
{
    private readonly ulong[] _buffer;
    private int _start;

    public Inflights(int capacity) => _buffer = new ulong[Math.Max(1, capacity)];

    public int Count { get; private set; }

    public bool IsFull => Count == _buffer.Length;

    public void Add(ulong lastIndex)
    {
        if (IsFull) throw new InvalidOperationException("inflight window is full");
        _buffer[(_start + Count) % _buffer.Length] = lastIndex;
        Count++;
    }

    /// <summary>Frees every message whose last index is ≤ <paramref name="index"/> (acknowledged).</summary>
    public void FreeLessOrEqual(ulong index)
    {
        while (Count > 0 && _buffer[_start] <= index)
        {
            _start = (_start + 1) % _buffer.Length;
            Count--;
        }
    }

    /// <summary>Frees the oldest message: presumed lost, so the leader may probe again.</summary>
    public void FreeFirst()
    {
        if (Count == 0) return;
        _start = (_start + 1) % _buffer.Length;
        Count--;
    }

    public void Reset()
    {
        _start = 0;
        Count = 0;
    }
}
