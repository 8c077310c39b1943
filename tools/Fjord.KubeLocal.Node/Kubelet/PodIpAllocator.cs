using System.Net;

namespace Fjord.KubeLocal.Node.Kubelet;

/// <summary>
/// Gives each pod its own loopback address in 127.244.0.0/16 (the range mirrors flannel's 10.244/16). Linux routes
/// all of 127.0.0.0/8 to <c>lo</c>, so a process can bind 127.244.x.y:port with no setup and nothing host-wide
/// changes; two brokers then listen on the same container port, as in a cluster. Addresses are reused only after
/// release, lowest first, skipping any that some other process on the host already uses (a second kube-local, a
/// leftover pod of a killed node), so two nodes on one host do not hand out the same address. Not thread-safe;
/// owned by the kubelet's sync loop.
/// </summary>
internal sealed class PodIpAllocator
{
    private const uint First = (127u << 24) | (244u << 16) | 2; // .0.1 is left for a "gateway", as CNI plugins do
    private const uint Last = (127u << 24) | (244u << 16) | 0xFFFE;
    private readonly Dictionary<string, uint> _byPod = [];
    private readonly SortedSet<uint> _used = [];

    public int Count => _byPod.Count;

    /// <summary>The pod's address, allocating one on first use that neither this node nor <paramref name="inUseOnHost"/> holds.</summary>
    public IPAddress Allocate(string podUid, IReadOnlySet<IPAddress>? inUseOnHost = null)
    {
        if (!_byPod.TryGetValue(podUid, out var address))
        {
            address = First;
            while (address <= Last && (_used.Contains(address) || inUseOnHost?.Contains(ToAddress(address)) == true))
            {
                address++;
            }
            if (address > Last)
            {
                throw new InvalidOperationException("pod address range 127.244.0.0/16 exhausted");
            }
            _byPod[podUid] = address;
            _used.Add(address);
        }
        return ToAddress(address);
    }

    /// <summary>Keeps an address a pod already has (a restarted kubelet re-reading <c>status.podIP</c>).</summary>
    public bool TryAdopt(string podUid, string? podIp)
    {
        if (_byPod.ContainsKey(podUid) || !IPAddress.TryParse(podIp, out var ip))
        {
            return false;
        }
        var bytes = ip.GetAddressBytes();
        if (bytes.Length != 4)
        {
            return false;
        }
        var address = ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
        if (address < First || address > Last || !_used.Add(address))
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

    private static IPAddress ToAddress(uint address) =>
        new([(byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address]);
}
