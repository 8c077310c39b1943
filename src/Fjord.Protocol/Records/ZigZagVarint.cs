namespace Fjord.Protocol.Records;

/// <summary>
/// The zig-zag (protobuf sint32/sint64) varints used inside records (CLIENTS.md §6.7) — not the
/// unsigned varints of the flexible request protocol. Readers report failure instead of throwing so
/// record parsing can turn bad bytes into CorruptMessage. Stateless; safe from any thread.
/// </summary>
internal static class ZigZagVarint
{
    public const int MaxInt32Bytes = 5;
    public const int MaxInt64Bytes = 10;

    /// <summary>
    /// Reads a zig-zag int32; false if truncated or longer than 5 bytes. Like Java's
    /// ByteUtils.readVarint, bits past 32 in a fifth byte are ignored rather than rejected.
    /// </summary>
    public static bool TryReadInt32(ReadOnlySpan<byte> source, out int value, out int bytesRead)
    {
        uint raw = 0;
        for (int i = 0; i < MaxInt32Bytes && i < source.Length; i++)
        {
            byte b = source[i];
            raw |= (uint)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                value = (int)(raw >> 1) ^ -(int)(raw & 1);
                bytesRead = i + 1;
                return true;
            }
        }

        value = 0;
        bytesRead = 0;
        return false;
    }

    /// <summary>Reads a zig-zag int64; false if truncated or longer than 10 bytes.</summary>
    public static bool TryReadInt64(ReadOnlySpan<byte> source, out long value, out int bytesRead)
    {
        ulong raw = 0;
        for (int i = 0; i < MaxInt64Bytes && i < source.Length; i++)
        {
            byte b = source[i];
            raw |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                value = (long)(raw >> 1) ^ -(long)(raw & 1);
                bytesRead = i + 1;
                return true;
            }
        }

        value = 0;
        bytesRead = 0;
        return false;
    }

    public static int SizeOfInt32(int value) => SizeOfUnsigned((uint)((value << 1) ^ (value >> 31)));

    public static int SizeOfInt64(long value) => SizeOfUnsigned((ulong)((value << 1) ^ (value >> 63)));

    /// <summary>Writes a zig-zag int32 and returns the bytes written (at most 5).</summary>
    public static int WriteInt32(Span<byte> destination, int value) =>
        WriteUnsigned(destination, (uint)((value << 1) ^ (value >> 31)));

    /// <summary>Writes a zig-zag int64 and returns the bytes written (at most 10).</summary>
    public static int WriteInt64(Span<byte> destination, long value) =>
        WriteUnsigned(destination, (ulong)((value << 1) ^ (value >> 63)));

    private static int SizeOfUnsigned(ulong value)
    {
        int size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    private static int WriteUnsigned(Span<byte> destination, ulong value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }
}
