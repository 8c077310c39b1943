using System.Buffers.Binary;
using Fjord.Protocol.Records;

namespace Fjord.Storage.Tests;

/// <summary>Builds uncompressed magic-2 batches byte by byte, so storage tests do not depend on the protocol builder.</summary>
internal static class TestBatches
{
    public static byte[] Batch(int records, long baseTimestamp = 1_000, int timestampStep = 1, long producerId = -1, short producerEpoch = -1,
        int baseSequence = -1, int valueSize = 10, byte fill = 0x42, bool transactional = false)
    {
        var body = new List<byte>();
        for (int i = 0; i < records; i++)
        {
            var record = new List<byte> { 0 };
            WriteVarLong(record, (long)i * timestampStep);
            WriteVarLong(record, i);
            WriteVarLong(record, -1); // null key
            WriteVarLong(record, valueSize);
            for (int j = 0; j < valueSize; j++)
                record.Add((byte)(fill + i + j));
            WriteVarLong(record, 0); // no headers
            WriteVarLong(body, record.Count);
            body.AddRange(record);
        }
        int total = RecordBatchHeader.HeaderSize + body.Count;
        var batch = new byte[total];
        var span = batch.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(span, 0);
        BinaryPrimitives.WriteInt32BigEndian(span[8..], total - RecordBatchHeader.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(span[12..], -1);
        span[16] = 2;
        BinaryPrimitives.WriteInt16BigEndian(span[21..], transactional ? RecordBatchHeader.TransactionalFlagMask : (short)0);
        BinaryPrimitives.WriteInt32BigEndian(span[23..], records - 1);
        BinaryPrimitives.WriteInt64BigEndian(span[27..], baseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[35..], baseTimestamp + (long)(records - 1) * timestampStep);
        BinaryPrimitives.WriteInt64BigEndian(span[43..], producerId);
        BinaryPrimitives.WriteInt16BigEndian(span[51..], producerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(span[53..], baseSequence);
        BinaryPrimitives.WriteInt32BigEndian(span[57..], records);
        body.CopyTo(batch, RecordBatchHeader.HeaderSize);
        RecordBatchHeader.WriteCrc(span);
        return batch;
    }

    public static byte[] Concat(params byte[][] batches) => batches.SelectMany(b => b).ToArray();

    /// <summary>The headers of all batches in a buffer, in order.</summary>
    public static List<RecordBatchHeader> Headers(ReadOnlySpan<byte> bytes)
    {
        var list = new List<RecordBatchHeader>();
        while (bytes.Length >= RecordBatchHeader.HeaderSize)
        {
            var h = RecordBatchHeader.Read(bytes);
            list.Add(h);
            bytes = bytes[h.TotalSize..];
        }
        Assert.Equal(0, bytes.Length);
        return list;
    }

    private static void WriteVarLong(List<byte> output, long value)
    {
        ulong v = (ulong)((value << 1) ^ (value >> 63));
        while (v >= 0x80)
        {
            output.Add((byte)(v | 0x80));
            v >>= 7;
        }
        output.Add((byte)v);
    }
}
