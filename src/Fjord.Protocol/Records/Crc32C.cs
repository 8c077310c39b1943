using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;

namespace Fjord.Protocol.Records;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of record batch v2 (KIP-98). Uses
/// <see cref="BitOperations.Crc32C(uint, ulong)"/>, which is the SSE4.2 / ARMv8 instruction where
/// available and a table fallback elsewhere. Results match Kafka's <c>Crc32C</c> and RFC 3720
/// (initial value and final XOR 0xFFFFFFFF). Stateless; safe from any thread.
/// </summary>
public static class Crc32C
{
    /// <summary>The CRC of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>The CRC of all bytes in <paramref name="data"/>, segment by segment without copying.</summary>
    public static uint Compute(in ReadOnlySequence<byte> data) => Append(0, data);

    /// <summary>
    /// Continues <paramref name="crc"/> (a finished CRC of earlier bytes, 0 for none) over
    /// <paramref name="data"/>: <c>Append(Compute(a), b) == Compute(a + b)</c>.
    /// </summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data) => ~Update(~crc, data);

    /// <summary>Continues <paramref name="crc"/> over every segment of <paramref name="data"/>.</summary>
    public static uint Append(uint crc, in ReadOnlySequence<byte> data)
    {
        if (data.IsSingleSegment)
        {
            return Append(crc, data.FirstSpan);
        }

        uint state = ~crc;
        foreach (ReadOnlyMemory<byte> segment in data)
        {
            state = Update(state, segment.Span);
        }

        return ~state;
    }

    // Raw register update without the pre/post inversion, so segments can be chained.
    private static uint Update(uint state, ReadOnlySpan<byte> data)
    {
        // The instruction consumes the 8 bytes least-significant first, i.e. in memory order on a
        // little-endian read; reading little-endian keeps big-endian hosts correct too.
        while (data.Length >= sizeof(ulong))
        {
            state = BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }

        foreach (byte b in data)
        {
            state = BitOperations.Crc32C(state, b);
        }

        return state;
    }
}
