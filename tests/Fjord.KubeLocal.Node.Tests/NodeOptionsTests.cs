using Fjord.KubeLocal.Node.Network;

namespace Fjord.KubeLocal.Node.Tests;

public class NodeOptionsTests
{
    private static readonly string[] Required = ["--server", "http://127.0.0.1:6443", "--state-dir", "/tmp/kube", "--repo-root", "/tmp"];

    [Fact]
    public void Parse_DefaultsToAutomaticPodNetworkAndNoCidr()
    {
        var options = NodeOptions.Parse(Required);

        Assert.Equal(PodNetworkMode.Auto, options.PodNetwork);
        Assert.Null(options.PodCidr);
    }

    [Fact]
    public void Parse_ReadsPodNetworkAndCidr()
    {
        var options = NodeOptions.Parse([.. Required, "--pod-network", "loopback", "--pod-cidr", "10.250.0.0/24"]);

        Assert.Equal(PodNetworkMode.Loopback, options.PodNetwork);
        Assert.Equal("10.250.0.0/24", options.PodCidr);
        Assert.Equal(PodNetworkMode.Netns, NodeOptions.Parse([.. Required, "--pod-network", "netns"]).PodNetwork);
    }

    [Theory]
    [InlineData("bridge")]
    [InlineData("1")]
    public void Parse_RefusesAnUnknownPodNetwork(string mode)
    {
        var error = Assert.Throws<ArgumentException>(() => NodeOptions.Parse([.. Required, "--pod-network", mode]));

        Assert.Equal($"--pod-network {mode}: expected auto, netns or loopback", error.Message);
    }
}
