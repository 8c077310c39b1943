using Fjord.KubeLocal.Node.Kubelet;

namespace Fjord.KubeLocal.Node.Network;

/// <summary>
/// Loopback mode: every pod shares the host's network namespace with an address of its own in 127.244.0.0/16, so
/// two pods can listen on one container port as long as each binds its pod IP. Nothing is created or removed.
/// </summary>
internal sealed class LoopbackPodNetwork(string kubeconfig) : IPodNetwork
{
    private const string Loopback = "127.0.0.1";
    private readonly Lock _lock = new();
    private readonly PodIpAllocator _ips = PodIpAllocator.Loopback();

    public string Description => "loopback: a 127.244.x.y address per pod in the host's network namespace";

    public string HostIp => Loopback;

    public PodSandbox HostNetwork => new(Loopback, Loopback, null, kubeconfig);

    public PodSandbox Create(string podUid, string? previousIp)
    {
        lock (_lock)
        {
            _ips.TryAdopt(podUid, previousIp);
            return new PodSandbox(_ips.Allocate(podUid, LoopbackAddressesInUse.Read()).ToString(), Loopback, null, kubeconfig);
        }
    }

    public void Remove(string podUid)
    {
        lock (_lock)
        {
            _ips.Release(podUid);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
