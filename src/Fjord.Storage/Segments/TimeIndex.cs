using System.Buffers;
using System.Buffers.Binary;

namespace Fjord.Storage.Segments;

/// <summary>
/// The time index of one segment (<c>.timeindex</c>): entries of (timestamp int64, offset relative to
/// the segment base as int32), Kafka's layout. An entry (T, O) says: the largest timestamp among the
/// batches before O's batch is below T, and the batch at O has max timestamp T — so a search for the
/// first record at or after a timestamp can start at the batch of the last entry whose T is at most the
/// target. Entries are added with the offset index, only when the max timestamp grows, plus a final
/// entry when the segment stops being active (Kafka's <c>onBecomeInactiveSegment</c>). In memory,
/// persisted like <see cref="OffsetIndex"/>. One writer (the append-lock holder), concurrent readers.
/// </summary>
internal sealed class TimeIndex
{
    public const int EntrySize = 12;

    private readonly Lock _loadLock = new();
    private readonly long _baseOffset;
    private volatile Entry[] _entries = new Entry[16];
    private volatile int _count;
    private int _persistedCount;
    private volatile bool _loaded;

    public TimeIndex(string path, long baseOffset, int maxEntries, bool loaded)
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

    /// <summary>The last entry as (timestamp, absolute offset), or null when empty.</summary>
    public (long Timestamp, long Offset)? LastEntry
    {
        get
        {
            int count = _count;
            if (count == 0)
                return null;
            var e = _entries[count - 1];
            return (e.Timestamp, _baseOffset + e.RelativeOffset);
        }
    }

    /// <summary>Adds (timestamp, offset) if the timestamp is larger than the last entry's. Append-lock holder only.</summary>
    public void MaybeAppend(long timestamp, long offset)
    {
        int count = _count;
        var entries = _entries;
        if (count > 0 && timestamp <= entries[count - 1].Timestamp)
            return;
        if (count == entries.Length)
        {
            var grown = new Entry[entries.Length * 2];
            Array.Copy(entries, grown, count);
            _entries = grown;
            entries = grown;
        }
        entries[count] = new Entry(timestamp, checked((int)(offset - _baseOffset)));
        _count = count + 1;
    }

    /// <summary>The offset of the last entry whose timestamp is at most <paramref name="timestamp"/>; the segment base when none.</summary>
    public long LookupOffset(long timestamp)
    {
        int count = _count;
        var entries = _entries;
        int lo = 0, hi = count - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (entries[mid].Timestamp <= timestamp)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found < 0 ? _baseOffset : _baseOffset + entries[found].RelativeOffset;
    }

    public void Clear()
    {
        _count = 0;
        _persistedCount = 0;
        _loaded = true;
    }

    /// <summary>Loads from disk once; false when missing or inconsistent (timestamps and offsets must not decrease).</summary>
    public bool TryLoad(long maxRelativeOffset)
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
            long lastTimestamp = long.MinValue;
            int lastRelative = -1;
            for (int i = 0; i < n; i++)
            {
                long ts = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(i * EntrySize));
                int rel = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i * EntrySize + 8));
                if (ts <= lastTimestamp || rel < lastRelative || rel < 0 || rel > maxRelativeOffset)
                    return false;
                entries[i] = new Entry(ts, rel);
                lastTimestamp = ts;
                lastRelative = rel;
            }
            _entries = entries;
            _count = n;
            _persistedCount = n;
            _loaded = true;
            return true;
        }
    }

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
                    BinaryPrimitives.WriteInt64BigEndian(span, entries[i].Timestamp);
                    BinaryPrimitives.WriteInt32BigEndian(span[8..], entries[i].RelativeOffset);
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

    private readonly record struct Entry(long Timestamp, int RelativeOffset);
}
