using System.Buffers.Binary;
using System.Numerics;

namespace Fjord.Raft;

/// <summary>CRC-32C (Castagnoli) over a span with the hardware instruction where available. Stateless; thread-safe.</summary>
internal static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data, uint crc = 0)
    {
        crc = ~crc;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }
}
