namespace Fjord.KubeLocal.Semantics;

/// <summary>
/// Hands out Service clusterIPs from 10.96.0.0/16 like a real cluster's service CIDR. The addresses are not
/// routable here (there is no kube-proxy); they exist so clients that wait for <c>clusterIP != ""</c> proceed.
/// Thread-safe.
/// </summary>
public sealed class ServiceIpAllocator
{
    private int _next = 10;

    public string Allocate()
    {
        var n = Interlocked.Increment(ref _next);
        return $"10.96.{(n >> 8) & 0xFF}.{n & 0xFF}";
    }
}
