namespace Fjord.Raft;

/// <summary>
/// An in-memory <see cref="IRaftStorage"/>: for tests, the simulator (where it stands for what survived
/// on disk) and single-process experiments. Not thread-safe; owned by the node's loop.
/// </summary>
public sealed class MemoryRaftStorage : IRaftStorage
{
    // _entries[0] is a dummy standing for the snapshot position, so index i lives at i - _entries[0].Index.
    private readonly List<Entry> _entries = [];
    private Snapshot _snapshot;

    /// <summary>Creates empty storage; see <see cref="RaftBootstrap"/> for the first members of a group.</summary>
    public MemoryRaftStorage()
    {
        _snapshot = Snapshot.Empty;
        _entries.Add(new Entry(0, 0, EntryType.Normal, default));
    }

    /// <inheritdoc/>
    public HardState HardState { get; private set; }

    /// <inheritdoc/>
    public SnapshotMetadata SnapshotMetadata => _snapshot.Metadata;

    /// <inheritdoc/>
    public Snapshot Snapshot => _snapshot;

    /// <inheritdoc/>
    public ulong FirstIndex => _entries[0].Index + 1;

    /// <inheritdoc/>
    public ulong LastIndex => _entries[0].Index + (ulong)_entries.Count - 1;

    /// <summary>Number of entries held, for compaction heuristics.</summary>
    public int Count => _entries.Count - 1;

    /// <inheritdoc/>
    public bool TryGetTerm(ulong index, out ulong term)
    {
        var offset = _entries[0].Index;
        if (index < offset || index > LastIndex) { term = 0; return false; }
        term = _entries[(int)(index - offset)].Term;
        return true;
    }

    /// <inheritdoc/>
    public bool TryGetEntries(ulong lo, ulong hi, int maxCount, long maxBytes, List<Entry> into)
    {
        var offset = _entries[0].Index;
        if (lo <= offset) return false;
        if (hi > LastIndex + 1) throw new InvalidOperationException($"entries [{lo},{hi}) beyond last index {LastIndex}");
        long bytes = 0;
        var taken = 0;
        for (var i = lo; i < hi && taken < maxCount; i++)
        {
            var e = _entries[(int)(i - offset)];
            bytes += e.Size;
            if (taken > 0 && bytes > maxBytes) break;
            into.Add(e);
            taken++;
        }
        return true;
    }

    /// <inheritdoc/>
    public void Save(HardState? hardState, Snapshot? snapshot, IReadOnlyList<Entry> entries, bool sync)
    {
        if (snapshot is not null) ApplySnapshot(snapshot);
        if (entries.Count > 0) Append(entries);
        if (hardState is { } hs) HardState = hs;
    }

    private void ApplySnapshot(Snapshot snapshot)
    {
        if (snapshot.Metadata.Index <= _snapshot.Metadata.Index) return;
        _snapshot = snapshot;
        _entries.Clear();
        _entries.Add(new Entry(snapshot.Metadata.Term, snapshot.Metadata.Index, EntryType.Normal, default));
    }

    private void Append(IReadOnlyList<Entry> entries)
    {
        var first = FirstIndex;
        var last = entries[^1].Index;
        if (last < first) return; // all compacted already
        var skip = first > entries[0].Index ? (int)(first - entries[0].Index) : 0;
        var start = entries[skip].Index;
        var offset = _entries[0].Index;
        if (start > LastIndex + 1) throw new InvalidOperationException($"gap: appending {start} after {LastIndex}");
        var keep = (int)(start - offset);
        if (keep < _entries.Count) _entries.RemoveRange(keep, _entries.Count - keep);
        for (var i = skip; i < entries.Count; i++) _entries.Add(entries[i]);
    }

    /// <inheritdoc/>
    public void CreateSnapshot(ulong index, ConfState confState, ReadOnlyMemory<byte> data)
    {
        if (index <= _snapshot.Metadata.Index) return;
        if (index > LastIndex) throw new InvalidOperationException($"snapshot {index} beyond last index {LastIndex}");
        TryGetTerm(index, out var term);
        _snapshot = new Snapshot(new SnapshotMetadata(index, term, confState), data);
    }

    /// <inheritdoc/>
    public void Compact(ulong index)
    {
        var offset = _entries[0].Index;
        if (index <= offset) return;
        if (index > _snapshot.Metadata.Index) throw new InvalidOperationException($"compacting {index} past snapshot {_snapshot.Metadata.Index}");
        var n = (int)(index - offset);
        var dummy = _entries[n];
        _entries.RemoveRange(0, n);
        _entries[0] = new Entry(dummy.Term, dummy.Index, EntryType.Normal, default);
    }
}
