namespace Fjord.KubeLocal.Node.Network;

/// <summary>
/// The node's pod network: gives each pod a <see cref="PodSandbox"/> and takes it away. Two implementations:
/// <see cref="BridgePodNetwork"/> (a network namespace per pod on a bridge) and <see cref="LoopbackPodNetwork"/>
/// (a loopback address per pod). Thread-safe; the kubelet creates on its sync loop and removes from termination tasks.
/// </summary>
internal interface IPodNetwork : IAsyncDisposable
{
    /// <summary>What is logged at start: the mode and its addresses.</summary>
    string Description { get; }

    /// <summary>The node's address (Node InternalIP, <c>status.hostIP</c>).</summary>
    string HostIp { get; }

    /// <summary>The sandbox of a <c>hostNetwork</c> pod: the node's own address and network.</summary>
    PodSandbox HostNetwork { get; }

    /// <summary>The pod's sandbox, set up on first call; keeps <paramref name="previousIp"/> when it is still free.</summary>
    PodSandbox Create(string podUid, string? previousIp);

    /// <summary>Tears the pod's sandbox down (its processes must have stopped); nothing when it has none.</summary>
    void Remove(string podUid);
}
