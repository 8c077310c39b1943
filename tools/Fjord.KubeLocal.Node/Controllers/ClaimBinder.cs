using Fjord.KubeLocal.Node.Api;
using Fjord.KubeLocal.Node.Workloads;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Fjord.KubeLocal.Node.Controllers;

/// <summary>
/// Stands in for the PV controller and a local-path provisioner: every PersistentVolumeClaim is marked
/// <c>Bound</c> at once with the capacity it requested (Helm's <c>--wait</c> needs Bound). The data lives in
/// <c>&lt;state-dir&gt;/volumes/&lt;namespace&gt;/&lt;claim&gt;</c>, created by the kubelet when a pod mounts the
/// claim; no PersistentVolume objects exist. Runs on its work queue's single worker.
/// </summary>
internal sealed class ClaimBinder
{
    private readonly IKubernetes _api;
    private readonly NodeCaches _caches;

    public ClaimBinder(IKubernetes api, NodeCaches caches, TimeProvider time, ILoggerFactory loggers)
    {
        _api = api;
        _caches = caches;
        Queue = new WorkQueue("persistentvolumeclaim", time, loggers.CreateLogger("Fjord.KubeLocal.Node.Claims"));
        caches.Claims.Changed += OwnerEvents.EnqueueSelf<V1PersistentVolumeClaim>(Queue);
    }

    public WorkQueue Queue { get; }

    public async Task<TimeSpan?> ReconcileAsync(string key, CancellationToken cancel)
    {
        var claim = _caches.Claims.Get(key);
        if (claim is null || claim.Metadata.DeletionTimestamp is not null || claim.Status?.Phase == "Bound")
        {
            return null;
        }
        var bound = ObjectCopy.Clone(claim);
        bound.Status = new V1PersistentVolumeClaimStatus
        {
            Phase = "Bound",
            AccessModes = claim.Spec?.AccessModes,
            Capacity = claim.Spec?.Resources?.Requests,
        };
        try
        {
            await _api.CoreV1.ReplaceNamespacedPersistentVolumeClaimStatusAsync(bound, claim.Metadata.Name, claim.Metadata.NamespaceProperty, cancellationToken: cancel);
        }
        catch (Exception e) when (ApiErrors.IsConflict(e) || ApiErrors.IsNotFound(e))
        {
            return TimeSpan.FromMilliseconds(200);
        }
        return null;
    }
}
