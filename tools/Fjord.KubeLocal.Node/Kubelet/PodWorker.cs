using Fjord.KubeLocal.Node.Api;
using Fjord.KubeLocal.Node.Dns;
using Fjord.KubeLocal.Node.Network;
using Fjord.KubeLocal.Node.Workloads;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Fjord.KubeLocal.Node.Kubelet;

/// <summary>
/// Runs one pod bound to this node: materialises its volumes, runs init containers in order, then every container
/// (<see cref="ContainerRunner"/>), and writes the pod's status through <c>pods/{name}/status</c> whenever it changes
/// (GET + PUT, retried on 409). <see cref="TerminateAsync"/> stops all containers with a grace period.
/// Created and torn down by <see cref="ProcessKubelet"/>; its own tasks do the rest.
/// </summary>
internal sealed partial class PodWorker
{
    private readonly IKubernetes _api;
    private readonly NodeCaches _caches;
    private readonly ClusterDns? _dns;
    private readonly PodDirectories _dirs;
    private readonly ContainerCommandResolver _resolver;
    private readonly ProbeRunner _probes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PodSandbox _sandbox;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _statusChanged = new(0);
    private readonly List<ContainerRunner> _initRunners = [];
    private readonly List<ContainerRunner> _runners = [];
    private readonly DateTime _startTime;
    private V1Pod _pod;
    private IReadOnlyDictionary<string, string> _hostPaths = new Dictionary<string, string>();
    private bool _initialized;
    private bool _initFailed;
    private Task _run = Task.CompletedTask;
    private Task _statusLoop = Task.CompletedTask;

    public PodWorker(V1Pod pod, PodSandbox sandbox, PodDirectories dirs, IKubernetes api, NodeCaches caches, ClusterDns? dns,
        ContainerCommandResolver resolver, ProbeRunner probes, TimeProvider time, ILogger logger)
    {
        _pod = pod;
        _sandbox = sandbox;
        _dirs = dirs;
        _api = api;
        _caches = caches;
        _dns = dns;
        _resolver = resolver;
        _probes = probes;
        _time = time;
        _logger = logger;
        _startTime = time.GetUtcNow().UtcDateTime;
        Uid = pod.Metadata.Uid;
        var grace = TimeSpan.FromSeconds(pod.Spec.TerminationGracePeriodSeconds ?? 30);
        // Init containers run to completion: Always behaves as OnFailure for them.
        var initPolicy = pod.Spec.RestartPolicy == "Never" ? "Never" : "OnFailure";
        foreach (var container in pod.Spec.InitContainers ?? [])
        {
            _initRunners.Add(NewRunner(container, initPolicy, grace));
        }
        foreach (var container in pod.Spec.Containers)
        {
            _runners.Add(NewRunner(container, pod.Spec.RestartPolicy, grace));
        }
    }

    public string Uid { get; }

    public string PodIp => _sandbox.PodIp;

    public bool Terminating => _stop.IsCancellationRequested;

    public void Start()
    {
        _run = RunAsync(_stop.Token);
        _statusLoop = StatusLoopAsync();
    }

    /// <summary>Latest pod object from the cache (labels and annotations feed the downward API).</summary>
    public void Update(V1Pod pod) => _pod = pod;

    /// <summary>Stops every container: SIGTERM to each process group, <paramref name="grace"/>, SIGKILL.</summary>
    public async Task TerminateAsync(TimeSpan grace)
    {
        foreach (var runner in _initRunners.Concat(_runners))
        {
            runner.GracePeriod = grace;
        }
        await _stop.CancelAsync();
        _statusChanged.Release();
        await _run;
        await _statusLoop;
    }

    private ContainerRunner NewRunner(V1Container container, string? restartPolicy, TimeSpan grace) =>
        new(container, restartPolicy, grace, () => Prepare(container), _probes, _time, () => _statusChanged.Release(), _logger);

    private async Task RunAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var (hostPaths, error) = PodVolumes.Prepare(_pod, _dirs, ConfigMap, Secret);
                if (error is null)
                {
                    _hostPaths = hostPaths;
                    break;
                }
                LogVolumeError(_logger, _dirs.Namespace, _dirs.Pod, error);
                await Task.Delay(TimeSpan.FromSeconds(2), _time, stop);
            }
            foreach (var runner in _initRunners)
            {
                await runner.RunAsync(stop);
                if (stop.IsCancellationRequested)
                {
                    return;
                }
                if (runner.LastExitCode != 0)
                {
                    _initFailed = true;
                    _statusChanged.Release();
                    return;
                }
            }
            _initialized = true;
            _statusChanged.Release();
            await Task.WhenAll(_runners.Select(r => Task.Run(() => r.RunAsync(stop), CancellationToken.None)));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Terminating.
        }
        finally
        {
            _statusChanged.Release();
        }
    }

    private (ContainerLaunch?, string?) Prepare(V1Container container)
    {
        var pod = _pod;
        var env = ContainerEnvironment.Build(pod, container, PodIp, _sandbox.HostIp, ConfigMap, Secret);
        if (env.Error is not null)
        {
            return (null, env.Error);
        }
        var remapper = PodVolumes.RemapperFor(container, _hostPaths);
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // What a container runtime sets; KUBECONFIG points in-pod clients at this API server (no in-cluster TLS)
            // by an address their network reaches.
            ["HOSTNAME"] = pod.Spec.Hostname ?? pod.Metadata.Name,
            ["KUBECONFIG"] = _sandbox.Kubeconfig,
        };
        foreach (var (key, value) in env.Variables)
        {
            variables[key] = remapper.Remap(value);
        }
        var command = _resolver.Resolve(container, variables);
        return (new ContainerLaunch(command, variables, remapper, _dirs.WorkingDirectory, _dirs.LogPath(container.Name), PodIp, _dns?.HostsFileFor(_dirs.Namespace),
            _sandbox.NetworkNamespace), null);
    }

    private V1ConfigMap? ConfigMap(string name) => _caches.ConfigMaps.Get(ObjectKey.Of(_dirs.Namespace, name));

    private V1Secret? Secret(string name) => _caches.Secrets.Get(ObjectKey.Of(_dirs.Namespace, name));

    private async Task StatusLoopAsync()
    {
        string? pushed = null;
        while (true)
        {
            await _statusChanged.WaitAsync();
            if (_stop.IsCancellationRequested)
            {
                // A terminating pod's status is not written: the pod is about to be deleted.
                return;
            }
            // Coalesce a burst of container changes into one write.
            await Task.Delay(TimeSpan.FromMilliseconds(50), _time);
            while (_statusChanged.CurrentCount > 0)
            {
                await _statusChanged.WaitAsync();
            }
            var status = BuildStatus();
            var json = KubernetesJson.Serialize(status);
            if (json == pushed)
            {
                continue;
            }
            if (await PushAsync())
            {
                pushed = json;
            }
            else
            {
                _ = RetryLaterAsync();
            }
        }
    }

    private async Task RetryLaterAsync()
    {
        await Task.Delay(TimeSpan.FromMilliseconds(500), _time);
        _statusChanged.Release();
    }

    private V1PodStatus BuildStatus() =>
        BuildStatus(_caches.Pods.Get(ObjectKey.Of(_dirs.Namespace, _dirs.Pod)) is { } cached && cached.Metadata.Uid == Uid ? cached : _pod);

    private V1PodStatus BuildStatus(V1Pod pod) =>
        PodStatusBuilder.Build(pod,
            [.. _runners.Select(r => new PodStatusBuilder.ContainerView(r.Status, r.Finished))],
            [.. _initRunners.Select(r => r.Status)],
            _initialized, _initFailed, PodIp, _sandbox.HostIp, _startTime, _time.GetUtcNow().UtcDateTime);

    private async Task<bool> PushAsync()
    {
        try
        {
            var current = await _api.CoreV1.ReadNamespacedPodAsync(_dirs.Pod, _dirs.Namespace);
            if (current.Metadata.Uid != Uid)
            {
                return true;
            }
            // Built against the latest object, so conditions keep their transition times.
            var status = BuildStatus(current);
            current.Status = status;
            await _api.CoreV1.ReplaceNamespacedPodStatusAsync(current, _dirs.Pod, _dirs.Namespace);
            LogStatus(_logger, _dirs.Namespace, _dirs.Pod, status.Phase, string.Join(",", status.Conditions.Where(c => c.Status == "True").Select(c => c.Type)));
            return true;
        }
        catch (Exception e) when (ApiErrors.IsNotFound(e))
        {
            return true;
        }
        catch (Exception e) when (ApiErrors.IsConflict(e) || e is HttpRequestException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Warning, Message = "pod {Namespace}/{Pod}: volumes not ready: {Reason}")]
    private static partial void LogVolumeError(ILogger logger, string @namespace, string pod, string reason);

    [LoggerMessage(EventId = 501, Level = LogLevel.Information, Message = "pod {Namespace}/{Pod}: status {Phase} [{Conditions}]")]
    private static partial void LogStatus(ILogger logger, string @namespace, string pod, string phase, string conditions);
}
