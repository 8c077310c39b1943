using System.Net;
using Fjord.KubeLocal.Node.Kubelet;
using Fjord.KubeLocal.Node.Network;

namespace Fjord.KubeLocal.Node.Tests.Network;

public class PodNetworkPlanTests
{
    private static readonly PodNetworkNames Names = new("1a2b3c");
    private static readonly Ipv4Prefix Subnet = Ipv4Prefix.Parse("10.244.3.0/24");

    [Fact]
    public void Names_AreDerivedFromTheStateDirectory_AndFitIfnamsiz()
    {
        var names = PodNetworkNames.For("/tmp/kube-a");

        Assert.Equal(names, PodNetworkNames.For("/tmp/kube-a/"));
        Assert.NotEqual(names.NodeId, PodNetworkNames.For("/tmp/kube-b").NodeId);
        Assert.Matches("^kl[0-9a-f]{6}br$", names.Bridge);
        var wide = Ipv4Prefix.Parse("10.250.0.0/16");
        var lastVeth = names.HostVeth(wide, Ipv4Prefix.ToAddress(wide.Last));
        Assert.Equal(names.LinkPrefix + "v65534", lastVeth);
        Assert.True(lastVeth.Length <= PodNetworkNames.MaxLinkName);
        Assert.Equal($"kl-{names.NodeId}-10.250.0.2", names.Namespace(IPAddress.Parse("10.250.0.2")));
    }

    [Fact]
    public void CreateBridge_GivesTheBridgeTheGatewayAndProvesNamespacesWork()
    {
        Assert.Equal(
        [
            "link add kl1a2b3cbr type bridge",
            "addr add 10.244.3.1/24 dev kl1a2b3cbr",
            "link set kl1a2b3cbr up",
            "netns add kl-1a2b3c-probe",
            "netns del kl-1a2b3c-probe",
        ], Lines(PodNetworkPlan.CreateBridge(Names, Subnet)));
    }

    [Fact]
    public void AddPod_BuildsANamespaceWithEth0OnTheBridge_LoopbackUp_AndADefaultRouteViaTheGateway()
    {
        Assert.Equal(
        [
            "netns add kl-1a2b3c-10.244.3.7",
            "link add kl1a2b3cv7 type veth peer name eth0 netns kl-1a2b3c-10.244.3.7",
            "link set kl1a2b3cv7 master kl1a2b3cbr",
            "link set kl1a2b3cv7 up",
            "-n kl-1a2b3c-10.244.3.7 link set lo up",
            "-n kl-1a2b3c-10.244.3.7 addr add 10.244.3.7/24 dev eth0",
            "-n kl-1a2b3c-10.244.3.7 link set eth0 up",
            "-n kl-1a2b3c-10.244.3.7 route add default via 10.244.3.1",
        ], Lines(PodNetworkPlan.AddPod(Names, Subnet, IPAddress.Parse("10.244.3.7"))));
    }

    [Fact]
    public void RemovePod_DeletesTheVethPairBeforeTheNamespace()
    {
        Assert.Equal(["link del kl1a2b3cv7", "netns del kl-1a2b3c-10.244.3.7"], Lines(PodNetworkPlan.RemovePod(Names, Subnet, IPAddress.Parse("10.244.3.7"))));
    }

    [Fact]
    public void PodIpAllocator_InABridgeSubnet_LeavesTheGatewayAndBroadcast_AndSaysWhenFull()
    {
        var ips = new PodIpAllocator(Ipv4Prefix.Parse("10.244.3.0/29"));

        Assert.Equal(["10.244.3.2", "10.244.3.3", "10.244.3.4", "10.244.3.5", "10.244.3.6"],
            Enumerable.Range(0, 5).Select(i => ips.Allocate($"pod-{i}").ToString()));
        Assert.Equal("pod address range 10.244.3.0/29 exhausted", Assert.Throws<InvalidOperationException>(() => ips.Allocate("one-too-many")).Message);
        Assert.False(ips.TryAdopt("x", "10.244.3.1"));
        Assert.False(ips.TryAdopt("y", "127.244.0.9"));
    }

    private static List<string> Lines(IReadOnlyList<string[]> plan) => [.. plan.Select(args => string.Join(' ', args))];
}
