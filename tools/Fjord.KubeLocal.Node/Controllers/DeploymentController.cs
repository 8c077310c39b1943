using Fjord.KubeLocal.Node.Api;
using Fjord.KubeLocal.Node.Deployments;
using Fjord.KubeLocal.Node.Workloads;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Fjord.KubeLocal.Node.Controllers;

/// <summary>
/// The shell around <see cref="DeploymentPlanner"/>: creates and scales the Deployment's ReplicaSets (scaling is a
/// PUT carrying the cached resourceVersion, so a stale cache gets 409 and a retry) and writes status through
/// <c>/status</c>. Runs on its work queue's single worker.
/// </summary>
internal sealed partial class DeploymentController
{
    private readonly IKubernetes _api;
    private readonly NodeCaches _caches;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public DeploymentController(IKubernetes api, NodeCaches caches, TimeProvider time, ILoggerFactory loggers)
    {
        _api = api;
        _caches = caches;
        _time = time;
        _logger = loggers.CreateLogger("Fjord.KubeLocal.Node.Deployments");
        Queue = new WorkQueue("deployment", time, _logger);
        caches.Deployments.Changed += OwnerEvents.EnqueueSelf<V1Deployment>(Queue);
        caches.ReplicaSets.Changed += OwnerEvents.EnqueueOwner<V1ReplicaSet>(Queue, "Deployment");
    }

    public WorkQueue Queue { get; }

    public async Task<TimeSpan?> ReconcileAsync(string key, CancellationToken cancel)
    {
        var deployment = _caches.Deployments.Get(key);
        if (deployment is null || deployment.Metadata.DeletionTimestamp is not null)
        {
            return null;
        }
        var ns = deployment.Metadata.NamespaceProperty;
        var owned = _caches.ReplicaSets.List()
            .Where(rs => rs.Metadata.NamespaceProperty == ns && PodState.ControllerOf(rs)?.Uid == deployment.Metadata.Uid)
            .ToList();
        var plan = DeploymentPlanner.Plan(deployment, owned, _time.GetUtcNow().UtcDateTime);
        try
        {
            foreach (var action in plan.Actions)
            {
                switch (action)
                {
                    case DeploymentAction.CreateReplicaSet create:
                        await _api.AppsV1.CreateNamespacedReplicaSetAsync(create.ReplicaSet, ns, cancellationToken: cancel);
                        LogCreated(_logger, key, create.ReplicaSet.Metadata.Name, create.ReplicaSet.Spec.Replicas ?? 0);
                        break;
                    case DeploymentAction.ScaleReplicaSet scale:
                        var rs = ObjectCopy.Clone(owned.First(r => r.Metadata.Name == scale.Name));
                        rs.Spec.Replicas = scale.Replicas;
                        await _api.AppsV1.ReplaceNamespacedReplicaSetAsync(rs, scale.Name, ns, cancellationToken: cancel);
                        LogScaled(_logger, key, scale.Name, scale.Replicas);
                        break;
                    case DeploymentAction.DeleteReplicaSet delete:
                        await _api.AppsV1.DeleteNamespacedReplicaSetAsync(delete.Name, ns, cancellationToken: cancel);
                        break;
                }
            }
        }
        catch (Exception e) when (ApiErrors.IsConflict(e) || ApiErrors.IsNotFound(e))
        {
            return TimeSpan.FromMilliseconds(200);
        }
        if (!StatusComparison.Same(deployment.Status, plan.Status))
        {
            var updated = ObjectCopy.Clone(deployment);
            updated.Status = plan.Status;
            try
            {
                await _api.AppsV1.ReplaceNamespacedDeploymentStatusAsync(updated, deployment.Metadata.Name, ns, cancellationToken: cancel);
            }
            catch (Exception e) when (ApiErrors.IsConflict(e) || ApiErrors.IsNotFound(e))
            {
                return TimeSpan.FromMilliseconds(200);
            }
        }
        return null;
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "deployment {Deployment}: created replicaset {ReplicaSet} with {Replicas} replicas")]
    private static partial void LogCreated(ILogger logger, string deployment, string replicaSet, int replicas);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "deployment {Deployment}: scaled replicaset {ReplicaSet} to {Replicas}")]
    private static partial void LogScaled(ILogger logger, string deployment, string replicaSet, int replicas);
}
