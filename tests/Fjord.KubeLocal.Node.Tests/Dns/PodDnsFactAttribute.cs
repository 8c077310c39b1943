using Fjord.KubeLocal.Node.Dns;

namespace Fjord.KubeLocal.Node.Tests.Dns;

/// <summary>
/// A fact that needs pod DNS (a private mount namespace with a bind-mounted /etc/hosts: root with util-linux, as
/// CI has): elsewhere reported as skipped with kube-local's own reason, decided once at discovery.
/// </summary>
public sealed class PodDnsFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> s_whyNot = new(() =>
    {
        var dir = Directory.CreateTempSubdirectory("kube-node-dns-probe-");
        try
        {
            return PodDnsSupport.Probe(dir.FullName);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    });

    public PodDnsFactAttribute()
    {
        if (s_whyNot.Value is { } why)
        {
            Skip = "pod DNS is off here: " + why;
        }
    }
}
