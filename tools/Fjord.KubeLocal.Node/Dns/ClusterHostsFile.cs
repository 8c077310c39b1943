using System.Text;
using Fjord.KubeLocal.Node.Workloads;
using k8s.Models;

namespace Fjord.KubeLocal.Node.Dns;

/// <summary>
/// The records of Kubernetes' cluster DNS, rendered as the hosts file a pod of one namespace sees as its
/// <c>/etc/hosts</c>. A Service <c>s</c> in namespace <c>n</c> answers as <c>s.n.svc.cluster.local</c>,
/// <c>s.n.svc</c> and <c>s.n</c>, and as <c>s</c> inside <c>n</c> (what resolv.conf's search path gives a real
/// pod; a hosts file has no search path, so the short forms are listed). A pod whose <c>subdomain</c> names a
/// headless Service that selects it answers as <c>hostname.subdomain.n.svc.cluster.local</c> (and the shorter forms),
/// as StatefulSet pods do. Both follow endpoint readiness: a pod counts once Ready, or at once when the Service sets
/// <c>publishNotReadyAddresses</c>. kube-local has no Service virtual IPs, so a ClusterIP Service answers with its
/// endpoints' addresses, as a headless one does (clients must use the target port). Pure.
/// </summary>
internal static class ClusterHostsFile
{
    public const string ClusterDomain = "cluster.local";

    public static string Render(string forNamespace, IReadOnlyCollection<V1Pod> pods, IReadOnlyCollection<V1Service> services)
    {
        var namesByAddress = new SortedDictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            if (service.Spec?.Type == "ExternalName" || service.Spec?.Selector is not { Count: > 0 } selector)
            {
                continue;
            }
            var ns = service.Metadata.NamespaceProperty;
            var name = service.Metadata.Name;
            var headless = service.Spec.ClusterIP == "None";
            var includeNotReady = service.Spec.PublishNotReadyAddresses == true;
            foreach (var pod in pods)
            {
                if (pod.Metadata.NamespaceProperty != ns || !Selects(selector, pod) || !IsEndpoint(pod, includeNotReady))
                {
                    continue;
                }
                var ip = pod.Status!.PodIP;
                Add(namesByAddress, ip, forNamespace, ns, name);
                if (headless && pod.Spec.Subdomain == name)
                {
                    Add(namesByAddress, ip, forNamespace, ns, $"{pod.Spec.Hostname ?? pod.Metadata.Name}.{name}");
                }
            }
        }

        var text = new StringBuilder();
        text.Append("# kube-local cluster DNS for namespace ").Append(forNamespace).Append(" (rewritten as pods and Services change)\n");
        text.Append("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
        foreach (var (address, names) in namesByAddress)
        {
            // The first name is the address's canonical one: the most qualified, as a pod's reverse lookup gives.
            var ordered = names.OrderByDescending(n => n.Count(c => c == '.')).ThenBy(n => n, StringComparer.Ordinal);
            text.Append(address).Append('\t').AppendJoin(' ', ordered).Append('\n');
        }
        return text.ToString();
    }

    private static void Add(SortedDictionary<string, HashSet<string>> namesByAddress, string ip, string forNamespace, string ns, string relativeName)
    {
        if (!namesByAddress.TryGetValue(ip, out var names))
        {
            names = new HashSet<string>(StringComparer.Ordinal);
            namesByAddress[ip] = names;
        }
        names.Add($"{relativeName}.{ns}.svc.{ClusterDomain}");
        names.Add($"{relativeName}.{ns}.svc");
        names.Add($"{relativeName}.{ns}");
        if (ns == forNamespace)
        {
            names.Add(relativeName);
        }
    }

    private static bool Selects(IDictionary<string, string> selector, V1Pod pod) =>
        pod.Metadata.Labels is { } labels && selector.All(s => labels.TryGetValue(s.Key, out var value) && value == s.Value);

    private static bool IsEndpoint(V1Pod pod, bool includeNotReady) =>
        !string.IsNullOrEmpty(pod.Status?.PodIP) && !PodState.IsTerminating(pod) && !PodState.IsFinished(pod)
        && (includeNotReady || PodState.IsReady(pod));
}
