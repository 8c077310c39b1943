using Fjord.KubeLocal.Node.Api;
using Fjord.KubeLocal.Node.Deployments;
using Fjord.KubeLocal.Node.Workloads;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Fjord.KubeLocal.Node.Controllers;

/// <summary>
/// The shell around <see cref="ReplicaSetPlanner"/>, with <see cref="CreationExpectations"/> so a lagging pod cache
/// never creates the same replicas twice. Runs on its work queue's single worker.
/// </summary>
internal sealed partial class ReplicaSetController
{
    private readonly IKubernetes _api;
    private readonly NodeCaches _caches;
    private readonly TimeProvider _time;
    private readonly CreationExpectations _expectations;
    private readonly Random _random;
    private readonly ILogger _logger;

    public ReplicaSetController(IKubernetes api, NodeCaches caches, TimeProvider time, Random random, ILoggerFactory loggers)
    {
        _api = api;
        _caches = caches;
        _time = time;
        _random = random;
        _expectations = new CreationExpectations(time, TimeSpan.FromSeconds(30));
        _logger = loggers.CreateLogger("Fjord.KubeLocal.Node.ReplicaSets");
        Queue = new WorkQueue("replicaset", time, _logger);
        caches.ReplicaSets.Changed += OwnerEvents.EnqueueSelf<V1ReplicaSet>(Queue);
        caches.Pods.Changed += OwnerEvents.EnqueueOwner<V1Pod>(Queue, "ReplicaSet");
    }

    public WorkQueue Queue { get; }

    public async Task<TimeSpan?> ReconcileAsync(string key, CancellationToken cancel)
    {
        var set = _caches.ReplicaSets.Get(key);
        if (set is null)
        {
            _expectations.Forget(key);
            return null;
        }
        var ns = set.Metadata.NamespaceProperty;
        var owned = _caches.PodsControlledBy(ns, set.Metadata.Uid);
        var observed = owned.Where(PodState.IsActive).Select(p => p.Metadata.Name).ToHashSet();
        var manage = _expectations.Satisfied(key, observed);
        var plan = ReplicaSetPlanner.Plan(set, owned, manage, _time.GetUtcNow().UtcDateTime, _random);
        _expectations.ExpectCreated(key, plan.Create.Select(p => p.Metadata.Name));
        _expectations.ExpectDeleted(key, plan.Delete);
        foreach (var pod in plan.Create)
        {
            await _api.CoreV1.CreateNamespacedPodAsync(pod, ns, cancellationToken: cancel);
            LogCreated(_logger, key, pod.Metadata.Name);
        }
        foreach (var name in plan.Delete)
        {
            try
            {
                await _api.CoreV1.DeleteNamespacedPodAsync(name, ns, cancellationToken: cancel);
                LogDeleted(_logger, key, name);
            }
            catch (Exception e) when (ApiErrors.IsNotFound(e))
            {
                // Already gone.
            }
        }
        if (!StatusComparison.Same(set.Status, plan.Status))
        {
            var updated = ObjectCopy.Clone(set);
            updated.Status = plan.Status;
            try
            {
                await _api.AppsV1.ReplaceNamespacedReplicaSetStatusAsync(updated, set.Metadata.Name, ns, cancellationToken: cancel);
            }
            catch (Exception e) when (ApiErrors.IsConflict(e) || ApiErrors.IsNotFound(e))
            {
                return TimeSpan.FromMilliseconds(200);
            }
        }
        // minReadySeconds: availability changes with time alone, so look again when it may have.
        return !manage || (set.Spec.MinReadySeconds ?? 0) > 0 && plan.Status.AvailableReplicas < plan.Status.ReadyReplicas
            ? TimeSpan.FromSeconds(1)
            : null;
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "replicaset {ReplicaSet}: created pod {Pod}")]
    private static partial void LogCreated(ILogger logger, string replicaSet, string pod);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "replicaset {ReplicaSet}: deleted pod {Pod}")]
    private static partial void LogDeleted(ILogger logger, string replicaSet, string pod);
}
