using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Fjord.Protocol;

/// <summary>
/// Writes Kafka's wire primitives to an <see cref="IBufferWriter{T}"/> (a <c>PipeWriter</c> or an
/// <see cref="ArrayBufferWriter{T}"/>), mirroring <see cref="ProtocolReader"/>; sizes match
/// <see cref="ProtocolSize"/>. A stack-only cursor: not thread-safe; one writer per output at a time.
/// </summary>
public ref struct ProtocolWriter
{
    private readonly IBufferWriter<byte> _output;
    private long _written;

    public ProtocolWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>Bytes written so far by this writer.</summary>
    public readonly long Written => _written;

    public void WriteInt8(sbyte value)
    {
        _output.GetSpan(1)[0] = (byte)value;
        Advance(1);
    }

    public void WriteBool(bool value) => WriteInt8(value ? (sbyte)1 : (sbyte)0);

    public void WriteInt16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(_output.GetSpan(2), value);
        Advance(2);
    }

    public void WriteUInt16(ushort value) => WriteInt16((short)value);

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_output.GetSpan(4), value);
        Advance(4);
    }

    public void WriteUInt32(uint value) => WriteInt32((int)value);

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(_output.GetSpan(8), value);
        Advance(8);
    }

    public void WriteFloat64(double value) => WriteInt64(BitConverter.DoubleToInt64Bits(value));

    public void WriteUuid(Uuid value)
    {
        value.WriteBytes(_output.GetSpan(16));
        Advance(16);
    }

    public void WriteUnsignedVarInt(uint value)
    {
        Span<byte> span = _output.GetSpan(5);
        int i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        Advance(i);
    }

    public void WriteUnsignedVarLong(ulong value)
    {
        Span<byte> span = _output.GetSpan(10);
        int i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        Advance(i);
    }

    /// <summary>A zig-zag varint (record fields).</summary>
    public void WriteVarInt(int value) => WriteUnsignedVarInt((uint)((value << 1) ^ (value >> 31)));

    /// <summary>A zig-zag varlong (record fields).</summary>
    public void WriteVarLong(long value) => WriteUnsignedVarLong((ulong)((value << 1) ^ (value >> 63)));

    /// <summary>A UTF-8 string with an int16 (classic) or uvarint N+1 (compact) length; null as -1 / 0.</summary>
    public void WriteString(string? value, bool compact)
    {
        if (value is null)
        {
            WriteLength(-1, compact, classicInt16: true);
            return;
        }

        int length = Encoding.UTF8.GetByteCount(value);
        if (!compact && length > short.MaxValue)
        {
            throw new ProtocolException($"string of {length} bytes does not fit a classic int16 length");
        }

        WriteLength(length, compact, classicInt16: true);
        if (length > 0)
        {
            Encoding.UTF8.GetBytes(value, _output.GetSpan(length));
            Advance(length);
        }
    }

    /// <summary>A byte array with an int32 (classic) or uvarint N+1 (compact) length; null as -1 / 0.</summary>
    public void WriteBytes(byte[]? value, bool compact)
    {
        if (value is null)
        {
            WriteLength(-1, compact, classicInt16: false);
            return;
        }

        WriteLength(value.Length, compact, classicInt16: false);
        WriteRaw(value);
    }

    /// <summary>A record set, encoded like bytes; copies each segment into the output.</summary>
    public void WriteRecords(ReadOnlySequence<byte>? records, bool compact)
    {
        if (records is not { } sequence)
        {
            WriteLength(-1, compact, classicInt16: false);
            return;
        }

        WriteLength(ProtocolSize.RecordsLength(sequence), compact, classicInt16: false);
        foreach (ReadOnlyMemory<byte> segment in sequence)
        {
            WriteRaw(segment.Span);
        }
    }

    /// <summary>An array length (int32, or uvarint N+1 when compact); -1 for a null array.</summary>
    public void WriteArrayLength(int count, bool compact) => WriteLength(count, compact, classicInt16: false);

    /// <summary>An empty tagged-field section.</summary>
    public void WriteEmptyTaggedFields() => WriteUnsignedVarInt(0);

    /// <summary>Bytes as they are, without a length.</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        bytes.CopyTo(_output.GetSpan(bytes.Length));
        Advance(bytes.Length);
    }

    private void WriteLength(int length, bool compact, bool classicInt16)
    {
        if (length < -1)
        {
            throw new ProtocolException($"length {length} is negative");
        }

        if (compact)
        {
            WriteUnsignedVarInt((uint)(length + 1));
        }
        else if (classicInt16)
        {
            WriteInt16((short)length);
        }
        else
        {
            WriteInt32(length);
        }
    }

    private void Advance(int count)
    {
        _output.Advance(count);
        _written += count;
    }
}
