namespace Fjord.Protocol.Records;

/// <summary>
/// Advances a raw CRC-32C register over a fixed number of zero bytes in constant time: that is a
/// multiplication by x^(8·bytes) mod P in GF(2), and because it is linear in the register it is
/// precomputed as four 256-entry tables, one per register byte. Lets independently computed CRCs of
/// adjacent blocks be combined: crc(A||B) = Apply(crc(A)) ^ crc(B) with raw (uninverted) registers
/// and crc(B) started from 0.
/// </summary>
internal sealed class Crc32CZeroShift
{
    // The Castagnoli polynomial, bit-reflected (bit 31 is the coefficient of x^0).
    private const uint ReflectedPolynomial = 0x82F63B78;
    private const uint One = 0x80000000;

    private readonly uint[] _table = new uint[4 * 256];

    public Crc32CZeroShift(int bytes)
    {
        uint factor = XPowerOfEightTimes(bytes);
        for (int lane = 0; lane < 4; lane++)
        {
            for (uint value = 0; value < 256; value++)
            {
                _table[(lane * 256) + (int)value] = Multiply(value << (8 * lane), factor);
            }
        }
    }

    /// <summary>The register after <c>bytes</c> zero bytes starting from <paramref name="state"/>.</summary>
    public uint Apply(uint state) =>
        _table[(int)(state & 0xFF)]
        ^ _table[256 + (int)((state >> 8) & 0xFF)]
        ^ _table[512 + (int)((state >> 16) & 0xFF)]
        ^ _table[768 + (int)(state >> 24)];

    // x^(8·bytes) mod P by square-and-multiply, so building a shift costs O(log bytes) products.
    private static uint XPowerOfEightTimes(int bytes)
    {
        uint result = One;
        uint power = One >> 8; // x^8
        for (int remaining = bytes; remaining > 0; remaining >>= 1)
        {
            if ((remaining & 1) != 0)
            {
                result = Multiply(result, power);
            }

            power = Multiply(power, power);
        }

        return result;
    }

    // Carry-less product a·b mod P in the reflected representation: walks b from x^0 upwards while
    // a is multiplied by x (a right shift, reducing by P when x^31 falls off).
    private static uint Multiply(uint a, uint b)
    {
        uint product = 0;
        for (int bit = 0; bit < 32; bit++)
        {
            if ((b & One) != 0)
            {
                product ^= a;
            }

            b <<= 1;
            a = (a & 1) != 0 ? (a >> 1) ^ ReflectedPolynomial : a >> 1;
        }

        return product;
    }
}
