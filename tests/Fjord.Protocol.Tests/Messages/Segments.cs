using System.Buffers;

namespace Fjord.Protocol.Tests.Messages;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s, as a PipeReader hands them out.</summary>
internal static class Segments
{
    public static ReadOnlySequence<byte> Split(byte[] bytes, int parts)
    {
        if (parts <= 1 || bytes.Length < 2)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        int size = Math.Max(1, bytes.Length / parts);
        var first = new Segment(bytes.AsMemory(0, Math.Min(size, bytes.Length)), 0);
        var last = first;
        for (int offset = size; offset < bytes.Length; offset += size)
        {
            last = last.Append(bytes.AsMemory(offset, Math.Min(size, bytes.Length - offset)));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>One byte per segment: the worst case for readers that assume contiguous memory.</summary>
    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] bytes) => Split(bytes, bytes.Length);

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
