using System.Buffers;
using Fjord.Protocol.Records;

namespace Fjord.Cli.Perf.Lean;

/// <summary>
/// One partition as the lean consumer reads it: the next offset to fetch and the end offset it must reach. It walks the
/// record batches of a fetched records field by their headers only (base offset, batch length, last offset delta,
/// record count), counts records without decoding them and advances the fetch offset past each whole batch. Offsets must
/// be contiguous: a batch that starts after the next offset (a gap) or before it (an overlap), a record count that does
/// not cover its offsets, or a batch past the end offset fails loudly, so a benchmark cannot report records it did not
/// read. A partial batch at the end of the field (a broker may cut the last batch at its byte limit) is left for the
/// next fetch. Pure; not thread-safe: owned by the task that fetches the partition.
/// </summary>
public sealed class FetchedPartition(string topic, int partition, long startOffset, long endOffset)
{
    public string Topic { get; } = topic;

    public int Partition { get; } = partition;

    public long NextOffset { get; private set; } = startOffset;

    public long EndOffset { get; } = endOffset;

    /// <summary>Data records counted so far (control batches take offsets but hold no data records).</summary>
    public long Records { get; private set; }

    /// <summary>Bytes of whole batches walked so far, log overhead included: what crossed the wire.</summary>
    public long BatchBytes { get; private set; }

    public bool Done => NextOffset >= EndOffset;

    /// <summary>
    /// Counts the whole batches of one partition's records field and advances <see cref="NextOffset"/>; returns how many
    /// batches it walked (0 when the field was empty or held only a partial batch).
    /// </summary>
    /// <exception cref="InvalidDataException">The batches are not exactly the next offsets of this partition.</exception>
    public int Consume(ReadOnlySequence<byte> records)
    {
        var batches = 0;
        Span<byte> header = stackalloc byte[RecordBatchHeader.HeaderSize];
        while (records.Length >= RecordBatchHeader.HeaderSize)
        {
            records.Slice(0, RecordBatchHeader.HeaderSize).CopyTo(header);
            var batch = RecordBatchHeader.Read(header);
            if (batch.BatchLength < RecordBatchHeader.MinBatchLength)
            {
                throw Corrupt($"a batch length of {batch.BatchLength} at offset {batch.BaseOffset}");
            }

            var size = RecordBatchHeader.LogOverhead + (long)batch.BatchLength;
            if (records.Length < size)
            {
                break;
            }

            Count(batch);
            BatchBytes += size;
            records = records.Slice(size);
            batches++;
        }

        return batches;
    }

    private void Count(RecordBatchHeader batch)
    {
        if (batch.Magic != RecordBatchHeader.CurrentMagic)
        {
            throw Corrupt($"magic {batch.Magic} in the batch at offset {batch.BaseOffset}");
        }

        if (batch.BaseOffset != NextOffset)
        {
            var what = batch.BaseOffset > NextOffset ? "gap" : "overlap";
            throw Corrupt($"a {what}: the next batch starts at offset {batch.BaseOffset}, expected {NextOffset}");
        }

        var lastOffset = batch.BaseOffset + batch.LastOffsetDelta;
        if (batch.LastOffsetDelta < 0 || lastOffset >= EndOffset)
        {
            throw Corrupt($"the batch at offset {batch.BaseOffset} ends at offset {lastOffset}, past the end offset {EndOffset} - 1");
        }

        // A topic that was never compacted holds one record per offset; the bench's topics never are.
        if (!batch.IsControl && batch.RecordCount != batch.LastOffsetDelta + 1)
        {
            throw Corrupt($"the batch at offset {batch.BaseOffset} counts {batch.RecordCount} records for {batch.LastOffsetDelta + 1} offsets");
        }

        Records += batch.IsControl ? 0 : batch.RecordCount;
        NextOffset = lastOffset + 1;
    }

    private InvalidDataException Corrupt(string what) => new($"{Topic}-{Partition}: {what}");
}
