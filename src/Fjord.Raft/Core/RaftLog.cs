namespace Fjord.Raft;

/// <summary>
/// The log as the core sees it: the stable part in <see cref="IRaftStorage"/> followed by an unstable
/// tail (and possibly an incoming snapshot) that the application has not persisted yet.
/// Not thread-safe; owned by one <see cref="RaftNode"/>.
/// </summary>
internal sealed class RaftLog
{
    private readonly IRaftStorage _storage;
    private readonly List<Entry> _unstable = [];
    private ulong _unstableOffset;          // index of _unstable[0]
    private Snapshot? _unstableSnapshot;    // received, not yet persisted

    public RaftLog(IRaftStorage storage)
    {
        _storage = storage;
        _unstableOffset = storage.LastIndex + 1;
        // Storage may keep entries behind its snapshot; everything up to the snapshot is committed and,
        // once the application loads the snapshot, applied.
        Committed = Math.Max(storage.FirstIndex - 1, storage.SnapshotMetadata.Index);
        Applied = Committed;
    }

    /// <summary>Highest index known committed.</summary>
    public ulong Committed { get; private set; }

    /// <summary>Highest index handed to the application for applying.</summary>
    public ulong Applied { get; private set; }

    public Snapshot? UnstableSnapshot => _unstableSnapshot;

    public IRaftStorage Storage => _storage;

    public ulong FirstIndex => _unstableSnapshot is { } s ? s.Metadata.Index + 1 : _storage.FirstIndex;

    public ulong LastIndex =>
        _unstable.Count > 0 ? _unstableOffset + (ulong)_unstable.Count - 1
        : _unstableSnapshot is { } s ? s.Metadata.Index
        : _storage.LastIndex;

    public ulong LastTerm => Term(LastIndex);

    /// <summary>Term at <paramref name="index"/>, or false when compacted or beyond the end.</summary>
    public bool TryGetTerm(ulong index, out ulong term)
    {
        term = 0;
        if (index > LastIndex) return false;
        if (_unstable.Count > 0 && index >= _unstableOffset)
        {
            term = _unstable[(int)(index - _unstableOffset)].Term;
            return true;
        }
        if (_unstableSnapshot is { } s)
        {
            if (index == s.Metadata.Index) { term = s.Metadata.Term; return true; }
            if (index < s.Metadata.Index) return false;
        }
        if (index < _storage.FirstIndex - 1) return false;
        return _storage.TryGetTerm(index, out term);
    }

    /// <summary>Term at index, 0 when unknown (compacted or missing) — never matches a real term.</summary>
    public ulong Term(ulong index) => TryGetTerm(index, out var t) ? t : 0;

    public bool MatchTerm(ulong index, ulong term) => TryGetTerm(index, out var t) && t == term;

    /// <summary>§5.4.1: a candidate's log is at least as up-to-date as ours.</summary>
    public bool IsUpToDate(ulong lastIndex, ulong lastTerm) =>
        lastTerm > LastTerm || (lastTerm == LastTerm && lastIndex >= LastIndex);

    /// <summary>
    /// Appends a leader's entries after (prevIndex, prevTerm) if they match (§5.3), truncating any
    /// conflicting suffix. Returns the index of the last new entry, or null when the logs diverge.
    /// The caller advances the commit index (it must also apply membership changes).
    /// </summary>
    public ulong? MaybeAppend(ulong prevIndex, ulong prevTerm, Entry[] entries)
    {
        if (!MatchTerm(prevIndex, prevTerm)) return null;
        var lastNew = prevIndex + (ulong)entries.Length;
        var conflict = FindConflict(entries);
        if (conflict != 0)
        {
            if (conflict <= Committed)
                throw new InvalidOperationException($"entry {conflict} conflicts with committed entry (committed {Committed})");
            Append(entries.AsSpan((int)(conflict - entries[0].Index)));
        }
        return lastNew;
    }

    // First index whose term differs from ours (or that we lack); 0 when all already present.
    private ulong FindConflict(Entry[] entries)
    {
        foreach (var e in entries)
            if (!MatchTerm(e.Index, e.Term)) return e.Index;
        return 0;
    }

    /// <summary>
    /// The last index ≤ <paramref name="index"/> whose term is ≤ <paramref name="term"/>: where a leader
    /// should probe next after a rejection (the §5.3 optimization of skipping a whole term at a time).
    /// </summary>
    public ulong FindConflictByTerm(ulong index, ulong term)
    {
        if (index > LastIndex) return index;
        while (true)
        {
            if (!TryGetTerm(index, out var t) || t <= term) return index;
            if (index == 0) return 0;
            index--;
        }
    }

    public void Append(ReadOnlySpan<Entry> entries)
    {
        if (entries.IsEmpty) return;
        var after = entries[0].Index;
        if (after <= Committed) throw new InvalidOperationException($"append at {after} would overwrite committed {Committed}");
        var end = _unstableOffset + (ulong)_unstable.Count;
        if (after == end) { }
        else if (after <= _unstableOffset)
        {
            // Replaces part of the stable log too; storage truncates it when these entries are saved.
            _unstableOffset = after;
            _unstable.Clear();
        }
        else
        {
            _unstable.RemoveRange((int)(after - _unstableOffset), _unstable.Count - (int)(after - _unstableOffset));
        }
        foreach (var e in entries) _unstable.Add(e);
    }

    /// <summary>Entries in [lo, hi) up to the limits; false when lo is compacted.</summary>
    public bool TryGetEntries(ulong lo, ulong hi, int maxCount, long maxBytes, List<Entry> into)
    {
        if (lo < FirstIndex) return false;
        hi = Math.Min(hi, LastIndex + 1);
        if (lo >= hi) return true;
        var start = into.Count;
        if (lo < _unstableOffset)
        {
            if (!_storage.TryGetEntries(lo, Math.Min(hi, _unstableOffset), maxCount, maxBytes, into)) return false;
            var got = into.Count - start;
            if (got < (int)(Math.Min(hi, _unstableOffset) - lo)) return true; // limit reached inside storage
        }
        long bytes = 0;
        for (var i = start; i < into.Count; i++) bytes += into[i].Size;
        for (var i = Math.Max(lo, _unstableOffset); i < hi && into.Count - start < maxCount; i++)
        {
            var e = _unstable[(int)(i - _unstableOffset)];
            bytes += e.Size;
            if (into.Count > start && bytes > maxBytes) break;
            into.Add(e);
        }
        return true;
    }

    public void CommitTo(ulong index)
    {
        if (index <= Committed) return;
        if (index > LastIndex) throw new InvalidOperationException($"commit {index} beyond last index {LastIndex}");
        Committed = index;
    }

    public void AppliedTo(ulong index)
    {
        if (index == 0) return;
        if (index > Committed || index < Applied)
            throw new InvalidOperationException($"applied {index} outside [{Applied},{Committed}]");
        Applied = index;
    }

    /// <summary>Unstable entries for the next Ready.</summary>
    public IReadOnlyList<Entry> UnstableEntries => _unstable;

    public bool HasNextCommittedEntries => _unstableSnapshot is null && Committed > Math.Max(Applied, FirstIndex - 1);

    /// <summary>Committed entries the application has not been given yet.</summary>
    public List<Entry> NextCommittedEntries(int maxCount)
    {
        var list = new List<Entry>();
        if (!HasNextCommittedEntries) return list;
        var lo = Math.Max(Applied + 1, FirstIndex);
        if (!TryGetEntries(lo, Committed + 1, maxCount, long.MaxValue, list))
            throw new InvalidOperationException($"committed entries from {lo} are compacted");
        return list;
    }

    /// <summary>The application has persisted entries up to (index, term).</summary>
    public void StableTo(ulong index, ulong term)
    {
        if (_unstable.Count == 0 || index < _unstableOffset) return;
        var i = (int)(index - _unstableOffset);
        if (i >= _unstable.Count || _unstable[i].Term != term) return; // overwritten meanwhile
        _unstable.RemoveRange(0, i + 1);
        _unstableOffset = index + 1;
    }

    public void StableSnapshotTo(ulong index)
    {
        if (_unstableSnapshot is { } s && s.Metadata.Index == index) _unstableSnapshot = null;
    }

    /// <summary>Replaces the whole log with a snapshot (§7: discard the entire log).</summary>
    public void Restore(Snapshot snapshot)
    {
        Committed = snapshot.Metadata.Index;
        _unstableOffset = snapshot.Metadata.Index + 1;
        _unstable.Clear();
        _unstableSnapshot = snapshot;
    }

    /// <summary>The snapshot to send to a lagging follower: the pending incoming one, else storage's.</summary>
    public Snapshot Snapshot => _unstableSnapshot ?? _storage.Snapshot;

    /// <summary>After a snapshot is installed the application has applied everything it covers.</summary>
    public void AppliedSnapshot(ulong index)
    {
        if (index > Applied) Applied = index;
    }
}
