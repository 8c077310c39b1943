using Fjord.KubeLocal.Node.Network;

namespace Fjord.KubeLocal.Node.Tests.Network;

/// <summary>
/// A fact that needs kube-local's network-namespace mode (root on Linux with iproute2 and nsenter, as CI has):
/// elsewhere reported as skipped with kube-local's own reason, decided once at discovery, never passed without running.
/// </summary>
public sealed class PodNetworkNamespacesFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> s_whyNot = new(PodNetworkSupport.WhyNotNetns);

    public PodNetworkNamespacesFactAttribute()
    {
        if (s_whyNot.Value is { } why)
        {
            Skip = "pod network namespaces are off here: " + why;
        }
    }
}
