using Fjord.KubeLocal.Node.Api;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Fjord.KubeLocal.Node.Dns;

/// <summary>
/// kube-local's cluster DNS: keeps <c>&lt;state&gt;/dns/&lt;namespace&gt;.hosts</c> equal to
/// <see cref="ClusterHostsFile.Render"/> of the cached pods and Services, rewriting it (in place) whenever either
/// changes. The kubelet bind-mounts a namespace's file over <c>/etc/hosts</c> in each pod's own mount namespace
/// (<see cref="PodDnsSupport"/>), so pods resolve Service and StatefulSet pod names with the system resolver and
/// nothing host-wide changes. Reconciles run on its work queue; <see cref="HostsFileFor"/> may be called from any thread.
/// </summary>
internal sealed partial class ClusterDns
{
    private const string Everything = "all";
    private readonly NodeCaches _caches;
    private readonly string _directory;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();

    public ClusterDns(NodeCaches caches, string stateDir, TimeProvider time, ILogger logger)
    {
        _caches = caches;
        _directory = Path.Combine(stateDir, "dns");
        _logger = logger;
        Queue = new WorkQueue("cluster-dns", time, logger);
        caches.Pods.Changed += (_, _) => Queue.Add(Everything);
        caches.Services.Changed += (_, _) => Queue.Add(Everything);
    }

    public WorkQueue Queue { get; }

    public Task<TimeSpan?> ReconcileAsync(string key, CancellationToken cancel)
    {
        var namespaces = _caches.Pods.List().Select(p => p.Metadata.NamespaceProperty).ToHashSet(StringComparer.Ordinal);
        foreach (var ns in namespaces)
        {
            HostsFileFor(ns);
        }
        return Task.FromResult<TimeSpan?>(null);
    }

    /// <summary>
    /// What a pod in its own network namespace gets as /etc/resolv.conf, beside the hosts files. Cluster names come from
    /// /etc/hosts; any other lookup would go to the host's name servers, which a pod cannot reach (its default route
    /// leads to a host that does not forward), and hang for the resolver's timeouts — ten seconds each time a client
    /// reconnects to a pod that is gone. Real cluster DNS answers NXDOMAIN at once; a name server on the pod's own
    /// loopback, where nothing listens, fails as fast.
    /// </summary>
    public static string ResolvConf(string hostsFile) => Path.Combine(Path.GetDirectoryName(hostsFile)!, "resolv.conf");

    private const string ResolvConfText =
        "# kube-local: cluster names are in /etc/hosts; nothing listens here, so other lookups fail at once\n" +
        "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n";

    /// <summary>The namespace's hosts file, brought up to date first (a pod about to start must find its peers).</summary>
    public string HostsFileFor(string ns)
    {
        var path = Path.Combine(_directory, ns + ".hosts");
        var text = ClusterHostsFile.Render(ns, _caches.Pods.List(), _caches.Services.List());
        lock (_lock)
        {
            Directory.CreateDirectory(_directory);
            HostsFileWriter.Write(ResolvConf(path), ResolvConfText);
            if (HostsFileWriter.Write(path, text))
            {
                LogRewritten(_logger, ns, text.Count(c => c == '\n') - 3);
            }
        }
        return path;
    }

    [LoggerMessage(EventId = 800, Level = LogLevel.Debug, Message = "cluster DNS for namespace {Namespace}: {Addresses} addresses")]
    private static partial void LogRewritten(ILogger logger, string @namespace, int addresses);
}
