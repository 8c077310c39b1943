using System.Buffers.Binary;
using Fjord.Storage.Transactions;

namespace Fjord.Storage.Segments;

/// <summary>
/// A segment's aborted-transaction index, <c>&lt;base offset&gt;.txnindex</c> in Kafka's layout (Kafka's
/// <c>TransactionIndex</c>): one 34-byte big-endian entry per ABORT marker in the segment — int16 version 0,
/// int64 producer id, int64 first offset, int64 last offset (the marker), int64 last stable offset — in marker
/// order. Like Kafka the file exists only once the segment has an entry; a segment without the file has no
/// aborted transactions. Entries are held in memory, loaded on first use; a torn trailing entry (a crash in
/// mid-write) is ignored and overwritten by the next append. Writes are not fsync'd until <see cref="Flush"/>
/// (the log calls it on roll and flush; recovery rebuilds the index of every segment it recovers).
/// Thread-safety: an internal lock; mutated by the append-lock holder, read by fetches on any thread.
/// </summary>
internal sealed class TransactionIndex
{
    /// <summary>Bytes per entry.</summary>
    public const int EntrySize = 34;

    private const short Version = 0;

    private readonly Lock _lock = new();
    private readonly List<AbortedTransaction> _entries = [];
    private bool _loaded;
    private bool _dirty;

    /// <param name="path">The file.</param>
    /// <param name="fresh">True for a new segment: nothing is on disk to load.</param>
    public TransactionIndex(string path, bool fresh)
    {
        Path = path;
        _loaded = fresh;
    }

    public string Path { get; private set; }

    /// <summary>A copy of the entries, in marker order.</summary>
    public AbortedTransaction[] Entries
    {
        get
        {
            lock (_lock)
            {
                EnsureLoaded();
                return [.. _entries];
            }
        }
    }

    /// <summary>Appends an entry and writes it to the file (created on the first entry). Throws IOException.</summary>
    public void Append(in AbortedTransaction entry)
    {
        lock (_lock)
        {
            EnsureLoaded();
            Span<byte> bytes = stackalloc byte[EntrySize];
            Encode(entry, bytes);
            using (var handle = File.OpenHandle(Path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
                RandomAccess.Write(handle, bytes, (long)_entries.Count * EntrySize);
            _entries.Add(entry);
            _dirty = true;
        }
    }

    /// <summary>Replaces every entry (the cleaner's output) and writes the file, fsync'd; no file when empty.</summary>
    public void WriteAll(IReadOnlyList<AbortedTransaction> entries)
    {
        lock (_lock)
        {
            _entries.Clear();
            _entries.AddRange(entries);
            _loaded = true;
            WriteFileLocked(fsync: true);
        }
    }

    /// <summary>
    /// Adds to <paramref name="into"/> every entry overlapping [<paramref name="startOffset"/>,
    /// <paramref name="upperBoundOffset"/>) (last offset at or after the start, first offset before the bound).
    /// Returns true when a later segment cannot hold more of them: an entry's last stable offset reached the
    /// bound (Kafka's TxnIndexSearchResult.isComplete).
    /// </summary>
    public bool Collect(long startOffset, long upperBoundOffset, List<AbortedTransaction> into)
    {
        lock (_lock)
        {
            EnsureLoaded();
            foreach (var entry in _entries)
            {
                if (entry.LastOffset >= startOffset && entry.FirstOffset < upperBoundOffset)
                    into.Add(entry);
                if (entry.LastStableOffset >= upperBoundOffset)
                    return true;
            }
            return false;
        }
    }

    /// <summary>Drops the entries whose marker is at or after <paramref name="offset"/> (Kafka's truncateTo). Throws IOException.</summary>
    public void TruncateTo(long offset)
    {
        lock (_lock)
        {
            EnsureLoaded();
            int keep = _entries.Count;
            while (keep > 0 && _entries[keep - 1].LastOffset >= offset)
                keep--;
            if (keep == _entries.Count)
                return;
            _entries.RemoveRange(keep, _entries.Count - keep);
            WriteFileLocked(fsync: true);
        }
    }

    /// <summary>Drops every entry and the file (before recovery rebuilds the index from the segment).</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _entries.Clear();
            _loaded = true;
            _dirty = false;
            File.Delete(Path);
        }
    }

    /// <summary>Fsyncs entries appended since the last flush. Throws IOException.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            if (!_dirty)
                return;
            if (File.Exists(Path))
            {
                using var handle = File.OpenHandle(Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
                RandomAccess.FlushToDisk(handle);
            }
            _dirty = false;
        }
    }

    /// <summary>Renames the file if it exists (deletion with its segment, cleaner swaps). Throws IOException.</summary>
    public void Rename(string newPath)
    {
        lock (_lock)
        {
            EnsureLoaded();
            if (File.Exists(Path))
                File.Move(Path, newPath, overwrite: true);
            Path = newPath;
        }
    }

    private void WriteFileLocked(bool fsync)
    {
        if (_entries.Count == 0)
        {
            File.Delete(Path);
            _dirty = false;
            return;
        }
        var bytes = new byte[_entries.Count * EntrySize];
        for (int i = 0; i < _entries.Count; i++)
            Encode(_entries[i], bytes.AsSpan(i * EntrySize));
        using (var handle = File.OpenHandle(Path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
        {
            RandomAccess.Write(handle, bytes, 0);
            if (fsync)
                RandomAccess.FlushToDisk(handle);
        }
        _dirty = !fsync;
    }

    private void EnsureLoaded()
    {
        if (_loaded)
            return;
        _loaded = true;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path);
        }
        catch (FileNotFoundException)
        {
            return;
        }
        for (int pos = 0; pos + EntrySize <= bytes.Length; pos += EntrySize)
        {
            var span = bytes.AsSpan(pos, EntrySize);
            _entries.Add(new AbortedTransaction(
                BinaryPrimitives.ReadInt64BigEndian(span[2..]),
                BinaryPrimitives.ReadInt64BigEndian(span[10..]),
                BinaryPrimitives.ReadInt64BigEndian(span[18..]),
                BinaryPrimitives.ReadInt64BigEndian(span[26..])));
        }
    }

    private static void Encode(in AbortedTransaction entry, Span<byte> destination)
    {
        BinaryPrimitives.WriteInt16BigEndian(destination, Version);
        BinaryPrimitives.WriteInt64BigEndian(destination[2..], entry.ProducerId);
        BinaryPrimitives.WriteInt64BigEndian(destination[10..], entry.FirstOffset);
        BinaryPrimitives.WriteInt64BigEndian(destination[18..], entry.LastOffset);
        BinaryPrimitives.WriteInt64BigEndian(destination[26..], entry.LastStableOffset);
    }
}
