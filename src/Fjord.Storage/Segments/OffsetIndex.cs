using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Fjord.Storage.Segments;

/// <summary>
/// The sparse offset index of one segment (<c>.index</c>): entries of (offset relative to the segment's
/// base offset as int32, byte position in the <c>.log</c> as int32), big-endian like Kafka's, one every
/// <c>index.interval.bytes</c> of batches. Entries are the base offset of the indexed batch, so a lookup
/// lands on or before the batch containing the wanted offset. Held in memory (8 bytes per entry) and
/// written to disk on roll, flush and close; rebuilt from the log when missing or inconsistent, since it
/// is only an accelerator. Thread-safety: one writer (the log's append lock holder) and any number of
/// concurrent readers; readers see a prefix of the entries.
/// </summary>
internal sealed class OffsetIndex
{
    public const int EntrySize = 8;

    private readonly Lock _loadLock = new();
    private readonly long _baseOffset;
    private volatile Entry[] _entries = new Entry[16];
    private volatile int _count;
    private int _persistedCount;
    private volatile bool _loaded;

    public OffsetIndex(string path, long baseOffset, int maxEntries, bool loaded)
    {
        Path = path;
        _baseOffset = baseOffset;
        MaxEntries = maxEntries;
        _loaded = loaded;
    }

    public string Path { get; private set; }

    public int MaxEntries { get; set; }

    public int Count => _count;

    public bool IsFull => _count >= MaxEntries;

    public bool IsLoaded => _loaded;

    /// <summary>The last entry as (absolute offset, position), or null when empty.</summary>
    public (long Offset, int Position)? LastEntry
    {
        get
        {
            int count = _count;
            if (count == 0)
                return null;
            var e = _entries[count - 1];
            return (_baseOffset + e.RelativeOffset, e.Position);
        }
    }

    /// <summary>Adds an entry for the batch starting at <paramref name="offset"/>. Append-lock holder only.</summary>
    public void Append(long offset, int position)
    {
        int count = _count;
        var entries = _entries;
        if (count == entries.Length)
        {
            // Publish the grown array before the count so a reader that sees the new count sees the array.
            var grown = new Entry[entries.Length * 2];
            Array.Copy(entries, grown, count);
            _entries = grown;
            entries = grown;
        }
        entries[count] = new Entry(checked((int)(offset - _baseOffset)), position);
        _count = count + 1;
    }

    /// <summary>The position of the last indexed batch whose base offset is at or below <paramref name="offset"/>; 0 when none.</summary>
    public int LookupPosition(long offset)
    {
        int count = _count;
        var entries = _entries;
        long relative = offset - _baseOffset;
        int lo = 0, hi = count - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (entries[mid].RelativeOffset <= relative)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found < 0 ? 0 : entries[found].Position;
    }

    /// <summary>All entries as (absolute offset, position), for tests and diagnostics.</summary>
    public IReadOnlyList<(long Offset, int Position)> Snapshot()
    {
        int count = _count;
        var entries = _entries;
        var list = new List<(long, int)>(count);
        for (int i = 0; i < count; i++)
            list.Add((_baseOffset + entries[i].RelativeOffset, entries[i].Position));
        return list;
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
    /// fails the sanity check (Kafka's <c>OffsetIndex.sanityCheck</c>: whole entries, offsets and
    /// positions strictly increasing, positions inside the segment); the caller then rebuilds.
    /// </summary>
    public bool TryLoad(long segmentSize)
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
            if (bytes.Length % EntrySize != 0)
                return false;
            int n = bytes.Length / EntrySize;
            var entries = new Entry[Math.Max(16, n)];
            int lastRelative = -1, lastPosition = -1;
            for (int i = 0; i < n; i++)
            {
                int rel = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i * EntrySize));
                int pos = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i * EntrySize + 4));
                if (rel <= lastRelative || pos <= lastPosition || pos < 0 || pos >= segmentSize)
                    return false;
                entries[i] = new Entry(rel, pos);
                lastRelative = rel;
                lastPosition = pos;
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
        int count = _count;
        var entries = _entries;
        using var handle = File.OpenHandle(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        int from = Math.Min(_persistedCount, count);
        if (RandomAccess.GetLength(handle) < (long)from * EntrySize)
            from = 0;
        int bytes = (count - from) * EntrySize;
        if (bytes > 0)
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(bytes);
            try
            {
                for (int i = from; i < count; i++)
                {
                    var span = buffer.AsSpan((i - from) * EntrySize);
                    BinaryPrimitives.WriteInt32BigEndian(span, entries[i].RelativeOffset);
                    BinaryPrimitives.WriteInt32BigEndian(span[4..], entries[i].Position);
                }
                RandomAccess.Write(handle, buffer.AsSpan(0, bytes), (long)from * EntrySize);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        RandomAccess.SetLength(handle, (long)count * EntrySize);
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

    private readonly record struct Entry(int RelativeOffset, int Position);
}
