using Fjord.KubeLocal.Node.Dns;

namespace Fjord.KubeLocal.Node.Tests.Dns;

/// <summary>The hosts file is rewritten in place: a bind mount pins its inode.</summary>
public sealed class HostsFileWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kube-node-hosts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Rewrites_KeepTheInode_AndTheExactText()
    {
        var path = Path.Combine(_dir, "ns.hosts");
        Assert.True(HostsFileWriter.Write(path, "127.244.0.2 a b c d e f\n127.244.0.3 g\n"));
        // An open handle stands for the bind mount: it sees new text only if the file was written in place.
        using var pinned = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);

        Assert.True(HostsFileWriter.Write(path, "127.244.0.9 z\n"));
        Assert.False(HostsFileWriter.Write(path, "127.244.0.9 z\n"));
        Assert.True(HostsFileWriter.Write(path, "127.244.0.9 z\n127.244.0.10 y\n"));

        using var reader = new StreamReader(pinned);
        Assert.Equal("127.244.0.9 z\n127.244.0.10 y\n", reader.ReadToEnd());
        Assert.Equal("127.244.0.9 z\n127.244.0.10 y\n", File.ReadAllText(path));
    }
}
