using Fjord.KubeLocal.Node.Api;
using Fjord.KubeLocal.Node.Dns;
using Fjord.KubeLocal.Node.Network;
using Fjord.KubeLocal.Node.Workloads;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Fjord.KubeLocal.Node.Kubelet;

/// <summary>
/// The scheduler and kubelet of kube-local's one node. Binds every pending pod without a node to this node
/// (<c>POST pods/{name}/binding</c>), runs pods bound here through a <see cref="PodWorker"/> each, in a sandbox of the
/// node's <see cref="IPodNetwork"/> (its own IP, and network namespace in netns mode) and, when pod DNS is on, the namespace's <see cref="ClusterDns"/> hosts file, and finishes graceful deletion as the real kubelet does: once
/// <c>deletionTimestamp</c> is set it stops the containers (SIGTERM, <c>deletionGracePeriodSeconds</c>, SIGKILL),
/// removes the pod's directory and sandbox, then DELETEs the pod with gracePeriodSeconds=0. A pod deleted outright
/// (or replaced by a new one of the same name) is stopped the same way. Reconciles run on the work queue's worker;
/// termination runs on background tasks that hand the key back to the queue.
/// </summary>
internal sealed partial class ProcessKubelet
{
    private readonly IKubernetes _api;
    private readonly NodeCaches _caches;
    private readonly ClusterDns? _dns;
    private readonly string _nodeName;
    private readonly string _stateDir;
    private readonly ContainerCommandResolver _resolver;
    private readonly ProbeRunner _probes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, PodWorker> _workers = [];
    private readonly List<Task> _terminations = [];
    private readonly IPodNetwork _network;

    public ProcessKubelet(IKubernetes api, NodeCaches caches, ClusterDns? dns, IPodNetwork network, string nodeName, string stateDir, ContainerCommandResolver resolver,
        HttpClient probeClient, TimeProvider time, ILoggerFactory loggers)
    {
        _api = api;
        _caches = caches;
        _dns = dns;
        _network = network;
        _nodeName = nodeName;
        _stateDir = stateDir;
        _resolver = resolver;
        _time = time;
        _probes = new ProbeRunner(probeClient, time);
        _logger = loggers.CreateLogger("Fjord.KubeLocal.Node.Kubelet");
        Queue = new WorkQueue("kubelet", time, _logger);
        caches.Pods.Changed += Controllers.OwnerEvents.EnqueueSelf<V1Pod>(Queue);
    }

    public WorkQueue Queue { get; }

    public int RunningPods
    {
        get
        {
            lock (_lock)
            {
                return _workers.Count;
            }
        }
    }

    public async Task<TimeSpan?> ReconcileAsync(string key, CancellationToken cancel)
    {
        var pod = _caches.Pods.Get(key);
        PodWorker? worker;
        lock (_lock)
        {
            _workers.TryGetValue(key, out worker);
        }
        if (worker is not null && (pod is null || pod.Metadata.Uid != worker.Uid))
        {
            // Deleted without a grace period, or replaced: stop what still runs, then look again.
            var grace = TimeSpan.FromSeconds(pod?.Spec.TerminationGracePeriodSeconds ?? 30);
            StartTermination(key, worker, grace, deleteAfter: null);
            return null;
        }
        if (pod is null)
        {
            return null;
        }
        var (ns, name) = ObjectKey.Split(key);
        if (string.IsNullOrEmpty(pod.Spec.NodeName))
        {
            if (!PodState.IsTerminating(pod))
            {
                await BindAsync(pod, cancel);
            }
            return null;
        }
        if (pod.Spec.NodeName != _nodeName)
        {
            return null;
        }
        if (PodState.IsTerminating(pod))
        {
            var grace = TimeSpan.FromSeconds(pod.Metadata.DeletionGracePeriodSeconds ?? pod.Spec.TerminationGracePeriodSeconds ?? 30);
            if (worker is not null)
            {
                StartTermination(key, worker, grace, pod);
            }
            else
            {
                CleanUp(key, pod.Metadata.Uid);
                await FinishDeletionAsync(pod, cancel);
            }
            return null;
        }
        if (worker is not null)
        {
            worker.Update(pod);
            return null;
        }
        if (PodState.IsFinished(pod))
        {
            return null;
        }
        // hostNetwork pods share the node's address and network, as on a real node. A failure to build the sandbox
        // (an ip command refused) is retried by the work queue with back-off.
        var sandbox = pod.Spec.HostNetwork == true ? _network.HostNetwork : _network.Create(pod.Metadata.Uid, pod.Status?.PodIP);
        lock (_lock)
        {
            worker = new PodWorker(pod, sandbox, new PodDirectories(_stateDir, ns, name), _api, _caches, _dns, _resolver, _probes, _time, _logger);
            _workers[key] = worker;
        }
        LogStarting(_logger, ns, name, sandbox.PodIp, sandbox.NetworkNamespace ?? "host");
        worker.Start();
        return null;
    }

    /// <summary>Stops every pod's processes (SIGTERM, up to <paramref name="grace"/>, SIGKILL) without touching the API.</summary>
    public async Task ShutdownAsync(TimeSpan grace)
    {
        List<PodWorker> workers;
        Task[] terminations;
        lock (_lock)
        {
            workers = [.. _workers.Values];
            terminations = [.. _terminations];
        }
        await Task.WhenAll(workers.Select(w => w.TerminateAsync(grace)).Concat(terminations));
    }

    private void StartTermination(string key, PodWorker worker, TimeSpan grace, V1Pod? deleteAfter)
    {
        if (worker.Terminating)
        {
            return;
        }
        LogStopping(_logger, key, grace.TotalSeconds);
        var task = Task.Run(async () =>
        {
            await worker.TerminateAsync(grace);
            CleanUp(key, worker.Uid);
            if (deleteAfter is not null)
            {
                await FinishDeletionAsync(deleteAfter, CancellationToken.None);
            }
            Queue.Add(key);
        });
        lock (_lock)
        {
            _terminations.RemoveAll(t => t.IsCompleted);
            _terminations.Add(task);
        }
    }

    private void CleanUp(string key, string uid)
    {
        var (ns, name) = ObjectKey.Split(key);
        lock (_lock)
        {
            if (_workers.TryGetValue(key, out var worker) && worker.Uid == uid)
            {
                _workers.Remove(key);
            }
        }
        _network.Remove(uid);
        var dir = new PodDirectories(_stateDir, ns, name).PodDir;
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException e)
        {
            LogCleanUpFailed(_logger, dir, e.Message);
        }
    }

    /// <summary>The kubelet's last word on a deleted pod: DELETE with gracePeriodSeconds=0, for this UID only.</summary>
    private async Task FinishDeletionAsync(V1Pod pod, CancellationToken cancel)
    {
        try
        {
            await _api.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty,
                new V1DeleteOptions { GracePeriodSeconds = 0, Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } },
                cancellationToken: cancel);
            LogDeleted(_logger, pod.Metadata.NamespaceProperty, pod.Metadata.Name);
        }
        catch (Exception e) when (ApiErrors.IsNotFound(e) || ApiErrors.IsConflict(e))
        {
            // Gone already, or a new pod of the same name.
        }
    }

    private async Task BindAsync(V1Pod pod, CancellationToken cancel)
    {
        var binding = new V1Binding
        {
            ApiVersion = "v1",
            Kind = "Binding",
            Metadata = new V1ObjectMeta { Name = pod.Metadata.Name, NamespaceProperty = pod.Metadata.NamespaceProperty },
            Target = new V1ObjectReference { ApiVersion = "v1", Kind = "Node", Name = _nodeName },
        };
        try
        {
            await _api.CoreV1.CreateNamespacedPodBindingAsync(binding, pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: cancel);
            LogBound(_logger, pod.Metadata.NamespaceProperty, pod.Metadata.Name, _nodeName);
        }
        catch (Exception e) when (ApiErrors.IsConflict(e) || ApiErrors.IsNotFound(e))
        {
            // Bound already (a stale cache) or deleted meanwhile.
        }
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "bound pod {Namespace}/{Pod} to node {Node}")]
    private static partial void LogBound(ILogger logger, string @namespace, string pod, string node);

    [LoggerMessage(EventId = 601, Level = LogLevel.Information, Message = "starting pod {Namespace}/{Pod} at {PodIp} (network namespace {NetworkNamespace})")]
    private static partial void LogStarting(ILogger logger, string @namespace, string pod, string podIp, string networkNamespace);

    [LoggerMessage(EventId = 602, Level = LogLevel.Information, Message = "stopping pod {Pod} (grace {GraceSeconds}s)")]
    private static partial void LogStopping(ILogger logger, string pod, double graceSeconds);

    [LoggerMessage(EventId = 603, Level = LogLevel.Information, Message = "deleted pod {Namespace}/{Pod} (gracePeriodSeconds=0)")]
    private static partial void LogDeleted(ILogger logger, string @namespace, string pod);

    [LoggerMessage(EventId = 604, Level = LogLevel.Warning, Message = "could not remove {Dir}: {Reason}")]
    private static partial void LogCleanUpFailed(ILogger logger, string dir, string reason);
}
