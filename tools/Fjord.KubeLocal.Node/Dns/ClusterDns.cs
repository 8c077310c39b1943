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

    /// <summary>The namespace's hosts file, brought up to date first (a pod about to start must find its peers).</summary>
    public string HostsFileFor(string ns)
    {
        var path = Path.Combine(_directory, ns + ".hosts");
        var text = ClusterHostsFile.Render(ns, _caches.Pods.List(), _caches.Services.List());
        lock (_lock)
        {
            Directory.CreateDirectory(_directory);
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
