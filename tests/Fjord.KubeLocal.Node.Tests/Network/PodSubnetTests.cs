using Fjord.KubeLocal.Node.Network;

namespace Fjord.KubeLocal.Node.Tests.Network;

public class PodSubnetTests
{
    // What `ip -4 -o addr show` and `ip -4 route show table all` print on a host with one NIC and a pod bridge.
    private const string Addresses = """
        1: lo    inet 127.0.0.1/8 scope host lo\       valid_lft forever preferred_lft forever
        4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\       valid_lft forever preferred_lft forever
        9: kl1a2b3cbr    inet 10.244.0.1/24 scope global kl1a2b3cbr\       valid_lft forever preferred_lft forever
        """;

    private const string Routes = """
        default via 192.0.2.1 dev eth0
        10.244.0.0/24 dev kl1a2b3cbr proto kernel scope link src 10.244.0.1
        10.244.1.0/25 dev vpn0 scope link
        192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2
        local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1
        broadcast 192.0.2.255 dev eth0 table local proto kernel scope link src 192.0.2.2
        """;

    [Fact]
    public void ParseHostNetworks_ReadsInterfacePrefixesAndRouteDestinations_ButNotTheDefaultRoute()
    {
        var networks = PodSubnet.ParseHostNetworks(Addresses, Routes).Select(n => n.ToString()).ToHashSet();

        Assert.Equal(
            new HashSet<string> { "127.0.0.0/8", "192.0.2.0/24", "10.244.0.0/24", "10.244.1.0/25", "192.0.2.255/32" },
            networks);
    }

    [Fact]
    public void Choose_ByDefault_TakesTheFirst10_244SubnetNoHostNetworkOverlaps()
    {
        var (subnet, error) = PodSubnet.Choose(null, PodSubnet.ParseHostNetworks(Addresses, Routes));

        Assert.Null(error);
        Assert.Equal("10.244.2.0/24", subnet.ToString());
    }

    [Fact]
    public void Choose_WithNothingOnTheHost_Takes10_244_0()
    {
        Assert.Equal("10.244.0.0/24", PodSubnet.Choose(null, []).Subnet.ToString());
    }

    [Fact]
    public void Choose_ARequestedSubnet_IsRefusedWhenItOverlapsAHostNetwork()
    {
        var host = PodSubnet.ParseHostNetworks(Addresses, Routes);

        Assert.Equal("10.250.0.0/16", PodSubnet.Choose("10.250.0.0/16", host).Subnet.ToString());
        Assert.Equal("--pod-cidr 10.244.0.0/16 overlaps host network(s) 10.244.0.0/24, 10.244.1.0/25", PodSubnet.Choose("10.244.0.0/16", host).Error);
        Assert.Contains("overlaps host network(s) 192.0.2.0/24", PodSubnet.Choose("192.0.2.128/25", host).Error);
    }

    [Theory]
    [InlineData("10.244.0.0/8")]
    [InlineData("10.244.0.0/30")]
    [InlineData("10.244.0.0")]
    [InlineData("fd00::/64")]
    [InlineData("not-a-cidr")]
    public void Choose_RefusesWhatIsNotAUsableIpv4Cidr(string requested)
    {
        var (subnet, error) = PodSubnet.Choose(requested, []);

        Assert.Null(subnet);
        Assert.Equal($"--pod-cidr {requested} must be an IPv4 CIDR from /16 to /28", error);
    }

    [Fact]
    public void Ipv4Prefix_ClearsHostBits_AndKnowsItsGatewayAndLastAddress()
    {
        var prefix = Ipv4Prefix.Parse("10.244.7.9/24");

        Assert.Equal("10.244.7.0/24", prefix.ToString());
        Assert.Equal("10.244.7.1", Ipv4Prefix.ToAddress(prefix.First).ToString());
        Assert.Equal("10.244.7.254", Ipv4Prefix.ToAddress(prefix.Last).ToString());
        Assert.True(prefix.Overlaps(Ipv4Prefix.Parse("10.0.0.0/8")));
        Assert.False(prefix.Overlaps(Ipv4Prefix.Parse("10.244.8.0/24")));
    }
}
