using System.Buffers;

namespace Fjord.Storage.Segments;

/// <summary>
/// What the offset and time indexes share: fixed-size big-endian entries held in memory, loaded
/// from disk once with a sanity check, appended by one writer and read by any number of readers
/// without locks (the entry array is published before the count, so a reader that sees a count
/// sees its entries), saved incrementally (only entries not yet on disk) and renamed with their
/// segment. Subclasses say how an entry is encoded and which successions are valid.
/// Thread-safety: one writer (the log's append-lock holder), concurrent readers.
/// </summary>
internal abstract class IndexFile<TEntry>
    where TEntry : struct
{
    private readonly Lock _loadLock = new();
    private volatile TEntry[] _entries = new TEntry[16];
    private volatile int _count;
    private int _persistedCount;
    private volatile bool _loaded;

    protected IndexFile(string path, long baseOffset, int maxEntries, bool loaded)
    {
        Path = path;
        BaseOffset = baseOffset;
        MaxEntries = maxEntries;
        _loaded = loaded;
    }

    public string Path { get; private set; }

    public int MaxEntries { get; set; }

    public int Count => _count;

    public bool IsFull => _count >= MaxEntries;

    public bool IsLoaded => _loaded;

    protected long BaseOffset { get; }

    protected abstract int EntryBytes { get; }

    protected abstract TEntry Decode(ReadOnlySpan<byte> source);

    protected abstract void Encode(in TEntry entry, Span<byte> destination);

    /// <summary>Whether <paramref name="entry"/> may follow <paramref name="previous"/> (null for the first) in a file bounded by <paramref name="bound"/>.</summary>
    protected abstract bool IsValidSuccessor(in TEntry entry, TEntry? previous, long bound);

    /// <summary>A consistent view for readers: the count first, then the array it belongs to.</summary>
    protected int ReadEntries(out TEntry[] entries)
    {
        int count = _count;
        entries = _entries;
        return count;
    }

    /// <summary>Appends an entry. Append-lock holder only.</summary>
    protected void AppendEntry(in TEntry entry)
    {
        int count = _count;
        var entries = _entries;
        if (count == entries.Length)
        {
            // Publish the grown array before the count so a reader that sees the new count sees the array.
            var grown = new TEntry[entries.Length * 2];
            Array.Copy(entries, grown, count);
            _entries = grown;
            entries = grown;
        }
        entries[count] = entry;
        _count = count + 1;
    }

    /// <summary>
    /// Keeps only the first <paramref name="count"/> entries (log truncation). The next <see cref="Save"/>
    /// trims the file. Append-lock holder only; readers see the shorter count from then on.
    /// </summary>
    protected void TruncateEntries(int count)
    {
        if (count >= _count)
            return;
        _count = count;
        _persistedCount = Math.Min(_persistedCount, count);
    }

    /// <summary>Forgets every entry (before a rebuild). Append-lock holder only, with no concurrent readers of this segment.</summary>
    public void Clear()
    {
        _count = 0;
        _persistedCount = 0;
        _loaded = true;
    }

    /// <summary>
    /// Loads the entries from disk once, if not loaded yet. Returns false when the file is missing or
    /// fails the sanity check (whole entries, each a valid successor of the one before); the caller
    /// then rebuilds, since an index is only an accelerator.
    /// </summary>
    public bool TryLoad(long bound)
    {
        if (_loaded)
            return true;
        lock (_loadLock)
        {
            if (_loaded)
                return true;
            if (!File.Exists(Path))
                return false;
            byte[] bytes = File.ReadAllBytes(Path);
            if (bytes.Length % EntryBytes != 0)
                return false;
            int n = bytes.Length / EntryBytes;
            var entries = new TEntry[Math.Max(16, n)];
            TEntry? previous = null;
            for (int i = 0; i < n; i++)
            {
                var entry = Decode(bytes.AsSpan(i * EntryBytes, EntryBytes));
                if (!IsValidSuccessor(entry, previous, bound))
                    return false;
                entries[i] = entry;
                previous = entry;
            }
            _entries = entries;
            _count = n;
            _persistedCount = n;
            _loaded = true;
            return true;
        }
    }

    /// <summary>Writes entries not yet on disk (all of them after a rebuild) and trims the file to them.</summary>
    public void Save(bool fsync)
    {
        if (!_loaded)
            return;
        int count = ReadEntries(out var entries);
        using var handle = File.OpenHandle(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        int from = Math.Min(_persistedCount, count);
        if (RandomAccess.GetLength(handle) < (long)from * EntryBytes)
            from = 0;
        int bytes = (count - from) * EntryBytes;
        if (bytes > 0)
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(bytes);
            try
            {
                for (int i = from; i < count; i++)
                    Encode(entries[i], buffer.AsSpan((i - from) * EntryBytes, EntryBytes));
                RandomAccess.Write(handle, buffer.AsSpan(0, bytes), (long)from * EntryBytes);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        RandomAccess.SetLength(handle, (long)count * EntryBytes);
        if (fsync)
            RandomAccess.FlushToDisk(handle);
        _persistedCount = count;
    }

    public void Rename(string newPath)
    {
        if (File.Exists(Path))
            File.Move(Path, newPath, overwrite: true);
        Path = newPath;
    }
}
