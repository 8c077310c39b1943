using Microsoft.Win32.SafeHandles;

namespace Fjord.Storage;

/// <summary>Positional I/O helpers over <see cref="RandomAccess"/>. Stateless; safe from any thread.</summary>
internal static class FileIo
{
    /// <summary>Reads until <paramref name="buffer"/> is full or the file ends; returns the bytes read.</summary>
    public static int ReadAtMost(SafeFileHandle handle, Span<byte> buffer, long fileOffset)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = RandomAccess.Read(handle, buffer[total..], fileOffset + total);
            if (n == 0)
                break;
            total += n;
        }
        return total;
    }
}
