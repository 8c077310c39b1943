using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Fjord.KubeLocal.Node.Network;

/// <summary>
/// The names of what one node creates in network-namespace mode, all derived from a short id of its state
/// directory: bridge <c>kl&lt;id&gt;br</c>, host-side veths <c>kl&lt;id&gt;v&lt;n&gt;</c> (n = the pod address's offset in
/// the subnet) and namespaces <c>kl-&lt;id&gt;-&lt;pod IP&gt;</c>. The same state directory always gives the same
/// names, so a node restarted after a crash finds and removes what the crashed run left; two nodes with different
/// state directories never touch each other's. Link names fit IFNAMSIZ (15 characters). Pure.
/// </summary>
internal sealed record PodNetworkNames(string NodeId)
{
    /// <summary>Linux's IFNAMSIZ is 16 bytes including the terminating NUL.</summary>
    public const int MaxLinkName = 15;

    public static PodNetworkNames For(string stateDir) =>
        new(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.TrimEndingDirectorySeparator(Path.GetFullPath(stateDir)))))[..6]);

    /// <summary>Every link of this node starts with it.</summary>
    public string LinkPrefix => $"kl{NodeId}";

    /// <summary>Every network namespace of this node starts with it.</summary>
    public string NamespacePrefix => $"kl-{NodeId}-";

    public string Bridge => LinkPrefix + "br";

    /// <summary>Created and deleted once at start to prove this host lets the node make namespaces.</summary>
    public string ProbeNamespace => NamespacePrefix + "probe";

    public string Namespace(IPAddress podIp) => NamespacePrefix + podIp;

    /// <summary>The root-namespace end of a pod's veth pair; the pod's end is <c>eth0</c> in its namespace.</summary>
    public string HostVeth(Ipv4Prefix subnet, IPAddress podIp)
    {
        var name = $"{LinkPrefix}v{Ipv4Prefix.ToUInt(podIp) - subnet.Network}";
        return name.Length <= MaxLinkName ? name : throw new ArgumentException($"link name {name} is longer than {MaxLinkName} characters");
    }
}
