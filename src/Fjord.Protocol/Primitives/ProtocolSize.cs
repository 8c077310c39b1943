using System.Buffers;
using System.Numerics;
using System.Text;

namespace Fjord.Protocol;

/// <summary>
/// Encoded sizes of Kafka's variable-length primitives, matching what <see cref="ProtocolWriter"/> writes,
/// so messages can compute their exact size before writing. Stateless and thread-safe.
/// </summary>
public static class ProtocolSize
{
    /// <summary>Bytes of an unsigned varint (1-5).</summary>
    public static int UnsignedVarInt(uint value) => ((32 - BitOperations.LeadingZeroCount(value | 1)) + 6) / 7;

    /// <summary>Bytes of an unsigned varlong (1-10).</summary>
    public static int UnsignedVarLong(ulong value) => ((64 - BitOperations.LeadingZeroCount(value | 1)) + 6) / 7;

    /// <summary>Bytes of a zig-zag varint (record fields).</summary>
    public static int VarInt(int value) => UnsignedVarInt((uint)((value << 1) ^ (value >> 31)));

    /// <summary>Bytes of a zig-zag varlong (record fields).</summary>
    public static int VarLong(long value) => UnsignedVarLong((ulong)((value << 1) ^ (value >> 63)));

    /// <summary>Bytes of a length prefix: uvarint(length + 1) when compact, else <paramref name="classicWidth"/>.</summary>
    public static int Length(int length, bool compact, int classicWidth) =>
        compact ? UnsignedVarInt((uint)(length + 1)) : classicWidth;

    /// <summary>Bytes of an array length prefix; <paramref name="count"/> -1 means a null array.</summary>
    public static int ArrayLength(int count, bool compact) => Length(count, compact, 4);

    /// <summary>Bytes of a string with its length prefix (int16, or uvarint when compact).</summary>
    public static int String(string? value, bool compact)
    {
        if (value is null)
        {
            return Length(-1, compact, 2);
        }

        int bytes = Encoding.UTF8.GetByteCount(value);
        return Length(bytes, compact, 2) + bytes;
    }

    /// <summary>Bytes of a byte array with its length prefix (int32, or uvarint when compact).</summary>
    public static int Bytes(byte[]? value, bool compact) =>
        value is null ? Length(-1, compact, 4) : Length(value.Length, compact, 4) + value.Length;

    /// <summary>Bytes of a record set with its length prefix, encoded like bytes.</summary>
    public static int Records(ReadOnlySequence<byte>? value, bool compact)
    {
        if (value is not { } records)
        {
            return Length(-1, compact, 4);
        }

        int length = RecordsLength(records);
        return Length(length, compact, 4) + length;
    }

    internal static int RecordsLength(in ReadOnlySequence<byte> records) =>
        records.Length <= int.MaxValue - 1
            ? (int)records.Length
            : throw new ProtocolException($"record set of {records.Length} bytes is too large to encode");
}
