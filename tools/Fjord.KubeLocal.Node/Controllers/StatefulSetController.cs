using Fjord.KubeLocal.Node.Api;
using Fjord.KubeLocal.Node.StatefulSets;
using Fjord.KubeLocal.Node.Workloads;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Fjord.KubeLocal.Node.Controllers;

/// <summary>
/// The shell around <see cref="StatefulSetPlanner"/>: reads the caches, performs the plan's writes in order and
/// writes status through <c>/status</c>. A stale cache only costs a 409 (AlreadyExists on create, Conflict on the
/// status PUT), after which the key is synced again. Runs on its work queue's single worker.
/// </summary>
internal sealed partial class StatefulSetController
{
    private readonly IKubernetes _api;
    private readonly NodeCaches _caches;
    private readonly ILogger _logger;

    public StatefulSetController(IKubernetes api, NodeCaches caches, TimeProvider time, ILoggerFactory loggers)
    {
        _api = api;
        _caches = caches;
        _logger = loggers.CreateLogger("Fjord.KubeLocal.Node.StatefulSets");
        Queue = new WorkQueue("statefulset", time, _logger);
        caches.StatefulSets.Changed += OwnerEvents.EnqueueSelf<V1StatefulSet>(Queue);
        caches.Pods.Changed += OwnerEvents.EnqueueOwner<V1Pod>(Queue, "StatefulSet");
    }

    public WorkQueue Queue { get; }

    public async Task<TimeSpan?> ReconcileAsync(string key, CancellationToken cancel)
    {
        var set = _caches.StatefulSets.Get(key);
        if (set is null || set.Metadata.DeletionTimestamp is not null)
        {
            return null;
        }
        var ns = set.Metadata.NamespaceProperty;
        var pods = _caches.PodsControlledBy(ns, set.Metadata.Uid);
        var claims = _caches.Claims.List().Where(c => c.Metadata.NamespaceProperty == ns).Select(c => c.Metadata.Name).ToHashSet();
        var plan = StatefulSetPlanner.Plan(set, pods, claims);
        foreach (var action in plan.Actions)
        {
            try
            {
                switch (action)
                {
                    case StatefulSetAction.CreateClaim create:
                        await _api.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(create.Claim, ns, cancellationToken: cancel);
                        LogClaimCreated(_logger, ns, create.Claim.Metadata.Name);
                        break;
                    case StatefulSetAction.CreatePod create:
                        await _api.CoreV1.CreateNamespacedPodAsync(create.Pod, ns, cancellationToken: cancel);
                        LogPodCreated(_logger, key, create.Pod.Metadata.Name);
                        break;
                    case StatefulSetAction.DeletePod delete:
                        await _api.CoreV1.DeleteNamespacedPodAsync(delete.Name, ns, cancellationToken: cancel);
                        LogPodDeleted(_logger, key, delete.Name);
                        break;
                }
            }
            catch (Exception e) when (ApiErrors.IsAlreadyExists(e) || ApiErrors.IsNotFound(e))
            {
                // The cache was behind: the write already happened.
            }
        }
        if (!StatusComparison.Same(set.Status, plan.Status))
        {
            var updated = ObjectCopy.Clone(set);
            updated.Status = plan.Status;
            try
            {
                await _api.AppsV1.ReplaceNamespacedStatefulSetStatusAsync(updated, set.Metadata.Name, ns, cancellationToken: cancel);
            }
            catch (Exception e) when (ApiErrors.IsConflict(e) || ApiErrors.IsNotFound(e))
            {
                return TimeSpan.FromMilliseconds(200);
            }
        }
        return null;
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "statefulset {Set}: created pod {Pod}")]
    private static partial void LogPodCreated(ILogger logger, string set, string pod);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "statefulset {Set}: deleted pod {Pod}")]
    private static partial void LogPodDeleted(ILogger logger, string set, string pod);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "created claim {Namespace}/{Claim}")]
    private static partial void LogClaimCreated(ILogger logger, string @namespace, string claim);
}
