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
internal sealed class TimeIndex(string path, long baseOffset, int maxEntries, bool loaded)
    : IndexFile<TimeIndex.Entry>(path, baseOffset, maxEntries, loaded)
{
    public const int EntrySize = 12;

    protected override int EntryBytes => EntrySize;

    /// <summary>The last entry as (timestamp, absolute offset), or null when empty.</summary>
    public (long Timestamp, long Offset)? LastEntry
    {
        get
        {
            int count = ReadEntries(out var entries);
            if (count == 0)
                return null;
            var e = entries[count - 1];
            return (e.Timestamp, BaseOffset + e.RelativeOffset);
        }
    }

    /// <summary>Adds (timestamp, offset) if the timestamp is larger than the last entry's. Append-lock holder only.</summary>
    public void MaybeAppend(long timestamp, long offset)
    {
        int count = ReadEntries(out var entries);
        if (count > 0 && timestamp <= entries[count - 1].Timestamp)
            return;
        AppendEntry(new Entry(timestamp, checked((int)(offset - BaseOffset))));
    }

    /// <summary>Drops the entries pointing at or after <paramref name="offset"/> (truncation; Kafka's <c>TimeIndex.truncateTo</c>). Append-lock holder only.</summary>
    public void TruncateToOffset(long offset)
    {
        int count = ReadEntries(out var entries);
        long relative = offset - BaseOffset;
        int keep = 0;
        while (keep < count && entries[keep].RelativeOffset < relative)
            keep++;
        TruncateEntries(keep);
    }

    /// <summary>The offset of the last entry whose timestamp is at most <paramref name="timestamp"/>; the segment base when none.</summary>
    public long LookupOffset(long timestamp)
    {
        int count = ReadEntries(out var entries);
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
        return found < 0 ? BaseOffset : BaseOffset + entries[found].RelativeOffset;
    }

    protected override Entry Decode(ReadOnlySpan<byte> source) =>
        new(BinaryPrimitives.ReadInt64BigEndian(source), BinaryPrimitives.ReadInt32BigEndian(source[8..]));

    protected override void Encode(in Entry entry, Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64BigEndian(destination, entry.Timestamp);
        BinaryPrimitives.WriteInt32BigEndian(destination[8..], entry.RelativeOffset);
    }

    /// <summary>Timestamps strictly increasing, offsets not decreasing and within the segment (<paramref name="bound"/> = largest relative offset).</summary>
    protected override bool IsValidSuccessor(in Entry entry, Entry? previous, long bound) =>
        entry.RelativeOffset >= 0 && entry.RelativeOffset <= bound
        && (previous is not { } p || (entry.Timestamp > p.Timestamp && entry.RelativeOffset >= p.RelativeOffset));

    internal readonly record struct Entry(long Timestamp, int RelativeOffset);
}
