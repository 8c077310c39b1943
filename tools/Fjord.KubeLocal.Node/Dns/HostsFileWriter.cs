using System.Text;

namespace Fjord.KubeLocal.Node.Dns;

/// <summary>
/// Rewrites a hosts file in place. Pods see the file through a bind mount over their <c>/etc/hosts</c>, which pins
/// its inode: a write-and-rename would leave them reading the old file forever. The new text is written over the
/// old from the start and only then cut to length, so a concurrent reader sees whole old or new lines, never an
/// empty file (at worst one line torn for one lookup, which a resolver treats as a miss). Not thread-safe; one owner.
/// </summary>
internal static class HostsFileWriter
{
    /// <summary>Writes <paramref name="text"/> unless the file already holds it; true when it wrote.</summary>
    public static bool Write(string path, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        using var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        if (file.Length == bytes.Length)
        {
            var current = new byte[bytes.Length];
            file.ReadExactly(current);
            if (current.AsSpan().SequenceEqual(bytes))
            {
                return false;
            }
            file.Position = 0;
        }
        file.Write(bytes);
        file.SetLength(bytes.Length);
        file.Flush();
        return true;
    }
}
