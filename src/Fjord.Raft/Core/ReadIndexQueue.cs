namespace Fjord.Raft;

/// <summary>
/// The leader's pending ReadIndex requests (dissertation §6.4): each waits until a quorum has answered
/// a heartbeat sent after it arrived, which proves the leader was still leader when it read its
/// commit index. An acknowledgement of a later request also confirms every earlier one.
/// Not thread-safe; owned by the leader's <see cref="RaftNode"/>.
/// </summary>
internal sealed class ReadIndexQueue
{
    internal sealed record Pending(ulong Index, Message Request, HashSet<ulong> Acks);

    private readonly Dictionary<byte[], Pending> _pending = new(ByteArrayComparer.Instance);
    private readonly List<byte[]> _order = [];

    public int Count => _order.Count;

    /// <summary>The context heartbeats carry: acknowledging it confirms all pending requests.</summary>
    public byte[]? LastContext => _order.Count > 0 ? _order[^1] : null;

    public bool Add(ulong index, Message request, ulong self)
    {
        var ctx = request.Context!;
        if (_pending.ContainsKey(ctx)) return false;
        _pending[ctx] = new Pending(index, request, [self]);
        _order.Add(ctx);
        return true;
    }

    /// <summary>Records an ack; returns the ackers of that request, or null when it is unknown.</summary>
    public HashSet<ulong>? Ack(ulong from, byte[] context)
    {
        if (!_pending.TryGetValue(context, out var p)) return null;
        p.Acks.Add(from);
        return p.Acks;
    }

    /// <summary>Removes and returns every request up to and including <paramref name="context"/>.</summary>
    public List<Pending> Release(byte[] context)
    {
        var released = new List<Pending>();
        var cut = -1;
        for (var i = 0; i < _order.Count; i++)
            if (ByteArrayComparer.Instance.Equals(_order[i], context)) { cut = i; break; }
        for (var i = 0; i <= cut; i++)
        {
            released.Add(_pending[_order[i]]);
            _pending.Remove(_order[i]);
        }
        if (cut >= 0) _order.RemoveRange(0, cut + 1);
        return released;
    }

    public void Clear()
    {
        _pending.Clear();
        _order.Clear();
    }
}
