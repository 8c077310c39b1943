using Fjord.KubeLocal.Node.Api;
using Fjord.KubeLocal.Node.Controllers;
using Fjord.KubeLocal.Node.Dns;
using Fjord.KubeLocal.Node.Kubelet;
using Fjord.KubeLocal.Node.Network;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Fjord.KubeLocal.Node;

/// <summary>
/// Wires kube-local-node: one informer per resource, the controllers and the kubelet, each with its work queue.
/// <see cref="RunAsync"/> returns when cancelled, after every pod process has been stopped and the pod network removed;
/// it throws <see cref="IOException"/> when the pod network forced by <c>--pod-network netns</c> cannot be built.
/// </summary>
internal sealed partial class NodeHost(NodeOptions options, TimeProvider time, ILoggerFactory loggers)
{
    private static readonly TimeSpan Resync = TimeSpan.FromSeconds(30);
    private readonly ILogger _logger = loggers.CreateLogger("Fjord.KubeLocal.Node");

    public string ReadyFile => Path.Combine(options.StateDir, "node-ready");

    public async Task RunAsync(CancellationToken cancel)
    {
        Directory.CreateDirectory(options.StateDir);
        using var http = new HttpClient { BaseAddress = options.Server, Timeout = Timeout.InfiniteTimeSpan };
        using var probeClient = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var api = new Kubernetes(new KubernetesClientConfiguration { Host = options.Server.ToString() });
        var caches = new NodeCaches(
            Informer<V1Pod>("/api/v1/pods"),
            Informer<V1StatefulSet>("/apis/apps/v1/statefulsets"),
            Informer<V1Deployment>("/apis/apps/v1/deployments"),
            Informer<V1ReplicaSet>("/apis/apps/v1/replicasets"),
            Informer<V1PodDisruptionBudget>("/apis/policy/v1/poddisruptionbudgets"),
            Informer<V1PersistentVolumeClaim>("/api/v1/persistentvolumeclaims"),
            Informer<V1ConfigMap>("/api/v1/configmaps"),
            Informer<V1Secret>("/api/v1/secrets"),
            Informer<V1Service>("/api/v1/services"));

        var statefulSets = new StatefulSetController(api, caches, time, loggers);
        var deployments = new DeploymentController(api, caches, time, loggers);
        var replicaSets = new ReplicaSetController(api, caches, time, Random.Shared, loggers);
        var budgets = new DisruptionBudgetController(api, caches, time, loggers);
        var claims = new ClaimBinder(api, caches, options.StateDir, time, loggers);
        var dnsOff = PodDnsSupport.Probe(options.StateDir);
        var dns = dnsOff is null ? new ClusterDns(caches, options.StateDir, time, loggers.CreateLogger("Fjord.KubeLocal.Node.Dns")) : null;
        if (dnsOff is not null)
        {
            LogPodDnsOff(_logger, dnsOff);
        }
        await using var network = await PodNetworkSupport.CreateAsync(options, loggers.CreateLogger("Fjord.KubeLocal.Node.Network"));
        LogPodNetwork(_logger, network.Description);
        var kubelet = new ProcessKubelet(api, caches, dns, network, options.NodeName, options.StateDir, new ContainerCommandResolver(options.RepoRoot), probeClient, time, loggers);

        var registration = new NodeRegistration(api, options.NodeName, network.HostIp, time, loggers.CreateLogger("Fjord.KubeLocal.Node.Kubelet"));
        using var stopInformers = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var informers = caches.RunAll(stopInformers.Token).ToList();
        try
        {
            await Task.WhenAll(caches.AllSynced).WaitAsync(cancel);
            var workers = new List<Task>
            {
                statefulSets.Queue.RunAsync(statefulSets.ReconcileAsync, cancel),
                deployments.Queue.RunAsync(deployments.ReconcileAsync, cancel),
                replicaSets.Queue.RunAsync(replicaSets.ReconcileAsync, cancel),
                budgets.Queue.RunAsync(budgets.ReconcileAsync, cancel),
                claims.Queue.RunAsync(claims.ReconcileAsync, cancel),
                kubelet.Queue.RunAsync(kubelet.ReconcileAsync, cancel),
                registration.RunAsync(cancel),
            };
            if (dns is not null)
            {
                workers.Add(dns.Queue.RunAsync(dns.ReconcileAsync, cancel));
            }
            await File.WriteAllTextAsync(ReadyFile, $"{Environment.ProcessId}\n", CancellationToken.None);
            LogReady(_logger, options.Server, options.NodeName, options.StateDir);
            await Task.WhenAll(workers);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            File.Delete(ReadyFile);
            LogStopping(_logger, kubelet.RunningPods);
            await kubelet.ShutdownAsync(TimeSpan.FromSeconds(3));
            await registration.MarkNotReadyAsync();
            await stopInformers.CancelAsync();
            await Task.WhenAll(informers);
        }

        Informer<T> Informer<T>(string path) where T : class, IKubernetesObject<V1ObjectMeta> =>
            new(path, http, Resync, time, loggers.CreateLogger("Fjord.KubeLocal.Node.Informer"));
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "kube-local-node ready: server {Server}, node {Node}, state {StateDir}")]
    private static partial void LogReady(ILogger logger, Uri server, string node, string stateDir);

    [LoggerMessage(EventId = 702, Level = LogLevel.Warning, Message = "pod DNS is off: {Reason}; pods resolve only what the host's /etc/hosts holds")]
    private static partial void LogPodDnsOff(ILogger logger, string reason);

    [LoggerMessage(EventId = 703, Level = LogLevel.Information, Message = "pod network {Network}")]
    private static partial void LogPodNetwork(ILogger logger, string network);

    [LoggerMessage(EventId = 701, Level = LogLevel.Information, Message = "kube-local-node stopping: {Pods} pods' processes")]
    private static partial void LogStopping(ILogger logger, int pods);
}
