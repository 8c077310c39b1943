using Fjord.KubeLocal.Node.Kubelet;

namespace Fjord.KubeLocal.Node.Tests.Kubelet;

public class PodIpAllocatorTests
{
    [Fact]
    public void Allocate_GivesEachPodItsOwnLoopbackAddressAndTheSameOneAgain()
    {
        var ips = PodIpAllocator.Loopback();

        var a = ips.Allocate("a");
        var b = ips.Allocate("b");

        Assert.Equal("127.244.0.2", a.ToString());
        Assert.Equal("127.244.0.3", b.ToString());
        Assert.Equal(a, ips.Allocate("a"));
        Assert.True(System.Net.IPAddress.IsLoopback(b));
    }

    [Fact]
    public void Release_MakesTheLowestAddressAvailableAgain()
    {
        var ips = PodIpAllocator.Loopback();
        ips.Allocate("a");
        ips.Allocate("b");
        ips.Allocate("c");

        ips.Release("a");

        Assert.Equal("127.244.0.2", ips.Allocate("d").ToString());
        Assert.Equal("127.244.0.5", ips.Allocate("e").ToString());
        Assert.Equal(4, ips.Count);
    }

    [Fact]
    public void TryAdopt_KeepsAnAddressFromStatusUnlessTakenOrOutOfRange()
    {
        var ips = PodIpAllocator.Loopback();

        Assert.True(ips.TryAdopt("a", "127.244.0.9"));
        Assert.False(ips.TryAdopt("b", "127.244.0.9"));
        Assert.False(ips.TryAdopt("c", "10.0.0.1"));
        Assert.False(ips.TryAdopt("d", null));
        Assert.Equal("127.244.0.9", ips.Allocate("a").ToString());
        Assert.Equal("127.244.0.2", ips.Allocate("b").ToString());
    }

    [Fact]
    public void Allocate_SkipsAddressesAnotherProcessOnTheHostUses()
    {
        var ips = PodIpAllocator.Loopback();
        var taken = new HashSet<System.Net.IPAddress> { System.Net.IPAddress.Parse("127.244.0.2"), System.Net.IPAddress.Parse("127.244.0.4") };

        Assert.Equal("127.244.0.3", ips.Allocate("a", taken).ToString());
        Assert.Equal("127.244.0.5", ips.Allocate("b", taken).ToString());
        Assert.Equal("127.244.0.3", ips.Allocate("a", taken).ToString());
    }

    [Fact]
    public void LoopbackAddressesInUse_SeesAListenerOnAPodAddress()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Parse("127.244.250.7"), 0);
        listener.Start();

        Assert.Contains(System.Net.IPAddress.Parse("127.244.250.7"), LoopbackAddressesInUse.Read());
    }
}
