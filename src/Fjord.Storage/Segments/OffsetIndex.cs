using System.Buffers.Binary;

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
internal sealed class OffsetIndex(string path, long baseOffset, int maxEntries, bool loaded)
    : IndexFile<OffsetIndex.Entry>(path, baseOffset, maxEntries, loaded)
{
    public const int EntrySize = 8;

    protected override int EntryBytes => EntrySize;

    /// <summary>The last entry as (absolute offset, position), or null when empty.</summary>
    public (long Offset, int Position)? LastEntry
    {
        get
        {
            int count = ReadEntries(out var entries);
            if (count == 0)
                return null;
            var e = entries[count - 1];
            return (BaseOffset + e.RelativeOffset, e.Position);
        }
    }

    /// <summary>Adds an entry for the batch starting at <paramref name="offset"/>. Append-lock holder only.</summary>
    public void Append(long offset, int position) => AppendEntry(new Entry(checked((int)(offset - BaseOffset)), position));

    /// <summary>The position of the last indexed batch whose base offset is at or below <paramref name="offset"/>; 0 when none.</summary>
    public int LookupPosition(long offset)
    {
        int count = ReadEntries(out var entries);
        long relative = offset - BaseOffset;
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

    /// <summary>Drops the entries at or after byte <paramref name="position"/> of the <c>.log</c> (truncation). Append-lock holder only.</summary>
    public void TruncateToPosition(int position)
    {
        int count = ReadEntries(out var entries);
        int keep = 0;
        while (keep < count && entries[keep].Position < position)
            keep++;
        TruncateEntries(keep);
    }

    /// <summary>All entries as (absolute offset, position), for tests and diagnostics.</summary>
    public IReadOnlyList<(long Offset, int Position)> Snapshot()
    {
        int count = ReadEntries(out var entries);
        var list = new List<(long, int)>(count);
        for (int i = 0; i < count; i++)
            list.Add((BaseOffset + entries[i].RelativeOffset, entries[i].Position));
        return list;
    }

    protected override Entry Decode(ReadOnlySpan<byte> source) =>
        new(BinaryPrimitives.ReadInt32BigEndian(source), BinaryPrimitives.ReadInt32BigEndian(source[4..]));

    protected override void Encode(in Entry entry, Span<byte> destination)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, entry.RelativeOffset);
        BinaryPrimitives.WriteInt32BigEndian(destination[4..], entry.Position);
    }

    /// <summary>Kafka's <c>OffsetIndex.sanityCheck</c>: offsets and positions strictly increasing, positions inside the segment (<paramref name="bound"/> = segment size).</summary>
    protected override bool IsValidSuccessor(in Entry entry, Entry? previous, long bound) =>
        entry.Position >= 0 && entry.Position < bound
        && (previous is not { } p || (entry.RelativeOffset > p.RelativeOffset && entry.Position > p.Position))
        && entry.RelativeOffset >= 0;

    internal readonly record struct Entry(int RelativeOffset, int Position);
}
