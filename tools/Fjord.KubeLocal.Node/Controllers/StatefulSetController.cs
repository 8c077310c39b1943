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
        var claims = _caches.Claims.List().Where(c => c.Metadata.NamespaceProperty == ns).ToDictionary(c => c.Metadata.Name);
        var revisions = (await _api.AppsV1.ListNamespacedControllerRevisionAsync(ns, cancellationToken: cancel)).Items
            .Where(r => PodState.ControllerOf(r)?.Uid == set.Metadata.Uid)
            .ToList();
        var updateRevision = StatefulSetPlanner.UpdateRevision(set);
        if (revisions.All(r => r.Metadata.Name != updateRevision))
        {
            try
            {
                await _api.AppsV1.CreateNamespacedControllerRevisionAsync(StatefulSetRevisions.New(set, revisions), ns, cancellationToken: cancel);
            }
            catch (Exception e) when (ApiErrors.IsAlreadyExists(e))
            {
                // Written by an earlier sync whose list this one did not see.
            }
        }
        var current = revisions.FirstOrDefault(r => r.Metadata.Name == set.Status?.CurrentRevision && r.Metadata.Name != updateRevision);
        var plan = StatefulSetPlanner.Plan(set, pods, claims, current is null ? null : StatefulSetRevisions.TemplateOf(current));
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
                    case StatefulSetAction.SetClaimOwners owners:
                        var owned = ObjectCopy.Clone(claims[owners.Name]);
                        owned.Metadata.OwnerReferences = owners.OwnerReferences.Count > 0 ? owners.OwnerReferences : null;
                        await _api.CoreV1.ReplaceNamespacedPersistentVolumeClaimAsync(owned, owners.Name, ns, cancellationToken: cancel);
                        LogClaimOwnersSet(_logger, ns, owners.Name, string.Join(",", owners.OwnerReferences.Select(r => $"{r.Kind}/{r.Name}")));
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
            catch (Exception e) when (ApiErrors.IsConflict(e))
            {
                // A claim changed since the cache saw it; the later actions (a condemned pod's deletion) must wait for
                // its owner references, so the whole plan is made again from fresh caches.
                return StatusUpdate.ConflictRetry;
            }
        }
        return await StatusUpdate.WriteIfChangedAsync(set, set.Status, plan.Status, (o, s) => o.Status = s,
            o => _api.AppsV1.ReplaceNamespacedStatefulSetStatusAsync(o, set.Metadata.Name, ns, cancellationToken: cancel));
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "statefulset {Set}: created pod {Pod}")]
    private static partial void LogPodCreated(ILogger logger, string set, string pod);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "statefulset {Set}: deleted pod {Pod}")]
    private static partial void LogPodDeleted(ILogger logger, string set, string pod);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "created claim {Namespace}/{Claim}")]
    private static partial void LogClaimCreated(ILogger logger, string @namespace, string claim);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "claim {Namespace}/{Claim} owned by [{Owners}] (persistentVolumeClaimRetentionPolicy)")]
    private static partial void LogClaimOwnersSet(ILogger logger, string @namespace, string claim, string owners);
}
