using System.Buffers;
using System.Text;

namespace Fjord.Protocol;

/// <summary>
/// Reads Kafka's wire primitives (big-endian integers, varints, classic and compact strings, bytes,
/// arrays, tagged fields) from a <see cref="ReadOnlySequence{T}"/> without copying it. Every short or
/// malformed input throws <see cref="ProtocolException"/>; lengths are checked against the remaining
/// input before anything is allocated, so a hostile length cannot exhaust memory.
/// A stack-only cursor: not thread-safe, and <see cref="ReadRecords"/> returns slices that stay valid
/// only while the underlying buffer does (a <c>PipeReader</c> buffer until <c>AdvanceTo</c>).
/// </summary>
public ref struct ProtocolReader
{
    private SequenceReader<byte> _reader;

    public ProtocolReader(ReadOnlySequence<byte> buffer)
    {
        _reader = new SequenceReader<byte>(buffer);
    }

    /// <summary>Bytes read so far.</summary>
    public readonly long Consumed => _reader.Consumed;

    /// <summary>Bytes left in the input.</summary>
    public readonly long Remaining => _reader.Remaining;

    public sbyte ReadInt8()
    {
        if (!_reader.TryRead(out byte value))
        {
            throw Short(1, "int8");
        }

        return (sbyte)value;
    }

    public bool ReadBool() => ReadInt8() != 0;

    public short ReadInt16() => _reader.TryReadBigEndian(out short value) ? value : throw Short(2, "int16");

    public ushort ReadUInt16() => (ushort)ReadInt16();

    public int ReadInt32() => _reader.TryReadBigEndian(out int value) ? value : throw Short(4, "int32");

    public uint ReadUInt32() => (uint)ReadInt32();

    public long ReadInt64() => _reader.TryReadBigEndian(out long value) ? value : throw Short(8, "int64");

    public double ReadFloat64() => BitConverter.Int64BitsToDouble(ReadInt64());

    public Uuid ReadUuid()
    {
        if (_reader.Remaining < 16)
        {
            throw Short(16, "uuid");
        }

        long most = ReadInt64();
        return new Uuid(most, ReadInt64());
    }

    /// <summary>An unsigned varint of at most 5 bytes (KIP-482 lengths and tags).</summary>
    public uint ReadUnsignedVarInt()
    {
        uint value = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            if (!_reader.TryRead(out byte b))
            {
                throw Short(1, "unsigned varint");
            }

            // The fifth byte may only carry the top 4 bits of a 32-bit value.
            if (shift == 28 && b > 0x0f)
            {
                throw new ProtocolException($"unsigned varint at offset {_reader.Consumed - 5} does not fit in 32 bits");
            }

            value |= (uint)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new ProtocolException($"unsigned varint at offset {_reader.Consumed - 5} is longer than 5 bytes");
    }

    /// <summary>A zig-zag varint of at most 5 bytes (record fields).</summary>
    public int ReadVarInt()
    {
        uint raw = ReadUnsignedVarInt();
        return (int)(raw >> 1) ^ -(int)(raw & 1);
    }

    /// <summary>A zig-zag varlong of at most 10 bytes (record fields).</summary>
    public long ReadVarLong()
    {
        ulong value = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (!_reader.TryRead(out byte b))
            {
                throw Short(1, "varlong");
            }

            if (shift == 63 && b > 0x01)
            {
                throw new ProtocolException($"varlong at offset {_reader.Consumed - 10} does not fit in 64 bits");
            }

            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return (long)(value >> 1) ^ -(long)(value & 1);
            }
        }

        throw new ProtocolException($"varlong at offset {_reader.Consumed - 10} is longer than 10 bytes");
    }

    /// <summary>A UTF-8 string with an int16 (classic) or uvarint N+1 (compact) length; null for -1 / 0.</summary>
    public string? ReadString(bool compact)
    {
        int length = compact ? ReadCompactLength("string") : ReadClassicLength(ReadInt16(), "string");
        if (length < 0)
        {
            return null;
        }

        EnsureRemaining(length, "string");
        if (length == 0)
        {
            return string.Empty;
        }

        ReadOnlySpan<byte> span = _reader.UnreadSpan;
        string value = span.Length >= length
            ? Encoding.UTF8.GetString(span[..length])
            : Encoding.UTF8.GetString(_reader.Sequence.Slice(_reader.Position, length));
        _reader.Advance(length);
        return value;
    }

    /// <summary>A byte array with an int32 (classic) or uvarint N+1 (compact) length; null for -1 / 0. Copies.</summary>
    public byte[]? ReadBytes(bool compact)
    {
        int length = compact ? ReadCompactLength("bytes") : ReadClassicLength(ReadInt32(), "bytes");
        if (length < 0)
        {
            return null;
        }

        EnsureRemaining(length, "bytes");
        if (length == 0)
        {
            return Array.Empty<byte>();
        }

        var value = new byte[length];
        _reader.TryCopyTo(value);
        _reader.Advance(length);
        return value;
    }

    /// <summary>
    /// A record set, encoded like bytes; returns a slice of the input (no copy) or null for a null length.
    /// </summary>
    public ReadOnlySequence<byte>? ReadRecords(bool compact)
    {
        int length = compact ? ReadCompactLength("records") : ReadClassicLength(ReadInt32(), "records");
        if (length < 0)
        {
            return null;
        }

        EnsureRemaining(length, "records");
        var slice = _reader.Sequence.Slice(_reader.Position, length);
        _reader.Advance(length);
        return slice;
    }

    /// <summary>
    /// An array length (int32, or uvarint N+1 when compact); -1 for a null array. Throws if the count
    /// exceeds the remaining bytes, since every element takes at least one byte.
    /// </summary>
    public int ReadArrayLength(bool compact)
    {
        int count = compact ? ReadCompactLength("array") : ReadClassicLength(ReadInt32(), "array");
        if (count > _reader.Remaining)
        {
            throw new ProtocolException(
                $"array of {count} elements at offset {_reader.Consumed} exceeds the {_reader.Remaining} bytes remaining");
        }

        return count;
    }

    /// <summary>The number of entries in a tagged-field section (KIP-482).</summary>
    public int ReadTaggedFieldCount()
    {
        uint count = ReadUnsignedVarInt();
        // Each entry takes at least two bytes (tag and size).
        if (count > _reader.Remaining)
        {
            throw new ProtocolException(
                $"tagged-field section of {count} entries at offset {_reader.Consumed} exceeds the {_reader.Remaining} bytes remaining");
        }

        return (int)count;
    }

    /// <summary>One tagged-field header: its tag and the size of the payload that follows.</summary>
    public void ReadTaggedFieldHeader(out int tag, out int size)
    {
        uint rawTag = ReadUnsignedVarInt();
        uint rawSize = ReadUnsignedVarInt();
        if (rawTag > int.MaxValue)
        {
            throw new ProtocolException($"tag {rawTag} at offset {_reader.Consumed} is out of range");
        }

        if (rawSize > _reader.Remaining)
        {
            throw new ProtocolException(
                $"tagged field {rawTag} of {rawSize} bytes at offset {_reader.Consumed} exceeds the {_reader.Remaining} bytes remaining");
        }

        tag = (int)rawTag;
        size = (int)rawSize;
    }

    /// <summary>Checks that a known tagged field's payload, started at <paramref name="start"/>, used exactly its declared size.</summary>
    public readonly void EndTaggedField(int tag, long start, int size)
    {
        long used = _reader.Consumed - start;
        if (used != size)
        {
            throw new ProtocolException($"tagged field {tag} declared {size} bytes but its value took {used}");
        }
    }

    /// <summary>Skips a whole tagged-field section (for structs without known tags, or to ignore them).</summary>
    public void SkipTaggedFields()
    {
        int count = ReadTaggedFieldCount();
        for (int i = 0; i < count; i++)
        {
            ReadTaggedFieldHeader(out _, out int size);
            Skip(size);
        }
    }

    /// <summary>Skips <paramref name="count"/> bytes.</summary>
    public void Skip(long count)
    {
        if (count < 0)
        {
            throw new ProtocolException($"cannot skip {count} bytes");
        }

        EnsureRemaining(count, "skipped bytes");
        _reader.Advance(count);
    }

    private int ReadCompactLength(string what)
    {
        uint raw = ReadUnsignedVarInt();
        if (raw == 0)
        {
            return -1;
        }

        if (raw - 1 > int.MaxValue)
        {
            throw new ProtocolException($"compact {what} length {raw - 1} at offset {_reader.Consumed} is out of range");
        }

        return (int)(raw - 1);
    }

    private readonly int ReadClassicLength(int length, string what) =>
        length >= -1
            ? length
            : throw new ProtocolException($"{what} length {length} at offset {_reader.Consumed} is negative");

    private readonly void EnsureRemaining(long length, string what)
    {
        if (length > _reader.Remaining)
        {
            throw new ProtocolException(
                $"{what} of {length} bytes at offset {_reader.Consumed} exceeds the {_reader.Remaining} bytes remaining");
        }
    }

    private readonly ProtocolException Short(int needed, string what) =>
        new($"unexpected end of input reading {what} at offset {_reader.Consumed}: needed {needed} bytes, {_reader.Remaining} remain");
}
