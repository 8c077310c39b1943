namespace Fjord.Protocol.Tests.Records;

/// <summary>
/// The plain bitwise CRC-32C (reflected Castagnoli polynomial, inverted in and out) with no
/// instruction, table or interleaving: the oracle the fast implementation is checked against.
/// </summary>
internal static class Crc32CReference
{
    private const uint ReflectedPolynomial = 0x82F63B78;

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ ReflectedPolynomial : crc >> 1;
            }
        }

        return ~crc;
    }
}
