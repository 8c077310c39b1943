using System.Net;
using Fjord.KubeLocal.Node.Network;

namespace Fjord.KubeLocal.Node.Kubelet;

/// <summary>
/// Gives each pod its own address in a pod network: the bridge's subnet in network-namespace mode, or
/// 127.244.0.0/16 in loopback mode (<see cref="Loopback"/>; the range mirrors flannel's 10.244/16). The network's
/// first address is left for the gateway, as CNI bridge plugins do. Addresses are reused only after release, lowest
/// first, skipping any that some other process on the host already uses (a second kube-local, a leftover pod of a
/// killed node), so two nodes on one host do not hand out the same address. Not thread-safe; the owner locks.
/// </summary>
internal sealed class PodIpAllocator(Ipv4Prefix network)
{
    private readonly Dictionary<string, uint> _byPod = [];
    private readonly SortedSet<uint> _used = [];

    /// <summary>Loopback mode's range: Linux routes all of 127.0.0.0/8 to <c>lo</c>, so no setup is needed to bind one.</summary>
    public static PodIpAllocator Loopback() => new(Ipv4Prefix.Parse("127.244.0.0/16"));

    public int Count => _byPod.Count;

    /// <summary>The pod's address, allocating one on first use that neither this node nor <paramref name="inUseOnHost"/> holds.</summary>
    public IPAddress Allocate(string podUid, IReadOnlySet<IPAddress>? inUseOnHost = null)
    {
        if (!_byPod.TryGetValue(podUid, out var address))
        {
            address = network.First + 1;
            while (address <= network.Last && (_used.Contains(address) || inUseOnHost?.Contains(Ipv4Prefix.ToAddress(address)) == true))
            {
                address++;
            }
            if (address > network.Last)
            {
                throw new InvalidOperationException($"pod address range {network} exhausted");
            }
            _byPod[podUid] = address;
            _used.Add(address);
        }
        return Ipv4Prefix.ToAddress(address);
    }

    /// <summary>Keeps an address a pod already has (a restarted kubelet re-reading <c>status.podIP</c>).</summary>
    public bool TryAdopt(string podUid, string? podIp)
    {
        if (_byPod.ContainsKey(podUid) || !IPAddress.TryParse(podIp, out var ip) || !network.Contains(ip))
        {
            return false;
        }
        var address = Ipv4Prefix.ToUInt(ip);
        if (address <= network.First || address > network.Last || !_used.Add(address))
        {
            return false;
        }
        _byPod[podUid] = address;
        return true;
    }

    public void Release(string podUid)
    {
        if (_byPod.Remove(podUid, out var address))
        {
            _used.Remove(address);
        }
    }
}
