using System.Net;

namespace Fjord.KubeLocal.Node.Network;

/// <summary>
/// The <c>ip</c> commands (argument lists) that build and remove the pod network, in order. A bridge in the root
/// namespace holds the gateway address, so the kernel routes the whole subnet to it: the host reaches every pod
/// without ip_forward, iptables or any sysctl. Each pod gets a namespace whose <c>eth0</c> is one end of a veth
/// pair, the other end enslaved to the bridge; pods reach each other over the bridge and the host at the gateway
/// (the default route, as a CNI bridge plugin sets it). Pure; <see cref="IpCommand"/> runs the plans.
/// </summary>
internal static class PodNetworkPlan
{
    public static IReadOnlyList<string[]> CreateBridge(PodNetworkNames names, Ipv4Prefix subnet) =>
    [
        ["link", "add", names.Bridge, "type", "bridge"],
        ["addr", "add", $"{Ipv4Prefix.ToAddress(subnet.First)}/{subnet.Length}", "dev", names.Bridge],
        ["link", "set", names.Bridge, "up"],
        // Proves namespaces can be made here before any pod depends on it.
        ["netns", "add", names.ProbeNamespace],
        ["netns", "del", names.ProbeNamespace],
    ];

    public static IReadOnlyList<string[]> AddPod(PodNetworkNames names, Ipv4Prefix subnet, IPAddress podIp)
    {
        var ns = names.Namespace(podIp);
        var veth = names.HostVeth(subnet, podIp);
        return
        [
            ["netns", "add", ns],
            ["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns],
            ["link", "set", veth, "master", names.Bridge],
            ["link", "set", veth, "up"],
            ["-n", ns, "link", "set", "lo", "up"],
            ["-n", ns, "addr", "add", $"{podIp}/{subnet.Length}", "dev", "eth0"],
            ["-n", ns, "link", "set", "eth0", "up"],
            ["-n", ns, "route", "add", "default", "via", Ipv4Prefix.ToAddress(subnet.First).ToString()],
        ];
    }

    /// <summary>
    /// Deleting the host end deletes the pair at once (the kernel would otherwise remove it only when the namespace
    /// is freed, asynchronously); then the namespace's mount goes. Both may be gone already.
    /// </summary>
    public static IReadOnlyList<string[]> RemovePod(PodNetworkNames names, Ipv4Prefix subnet, IPAddress podIp) =>
    [
        ["link", "del", names.HostVeth(subnet, podIp)],
        ["netns", "del", names.Namespace(podIp)],
    ];
}
