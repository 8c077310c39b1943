using System.Buffers;

namespace Fjord.Protocol.Tests.Records;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s the way a PipeReader hands them out.</summary>
internal static class TestSequence
{
    /// <summary>Splits <paramref name="data"/> into segments of the given sizes (the rest in a last one).</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, params int[] segmentSizes)
    {
        var chunks = new List<byte[]>();
        int offset = 0;
        foreach (int size in segmentSizes)
        {
            int take = Math.Min(size, data.Length - offset);
            chunks.Add(data.AsSpan(offset, take).ToArray());
            offset += take;
        }

        chunks.Add(data.AsSpan(offset).ToArray());
        return FromChunks(chunks);
    }

    /// <summary>One segment per byte: the worst case for a parser.</summary>
    public static ReadOnlySequence<byte> ByteByByte(byte[] data) =>
        FromChunks(data.Select(b => new[] { b }).ToList());

    private static ReadOnlySequence<byte> FromChunks(List<byte[]> chunks)
    {
        var first = new Segment(chunks[0], 0);
        Segment last = first;
        for (int i = 1; i < chunks.Count; i++)
        {
            last = last.Append(chunks[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data, long runningIndex)
        {
            Memory = data;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] data)
        {
            var next = new Segment(data, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
