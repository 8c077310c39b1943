using Fjord.KubeLocal.Node.Api;
using Fjord.KubeLocal.Node.Kubelet;
using Fjord.KubeLocal.Node.Workloads;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Fjord.KubeLocal.Node.Controllers;

/// <summary>
/// Stands in for the PV controller and a local-path provisioner: every PersistentVolumeClaim is marked
/// <c>Bound</c> at once with the capacity it requested (Helm's <c>--wait</c> needs Bound). The data lives in
/// <c>&lt;state-dir&gt;/volumes/&lt;namespace&gt;/&lt;claim&gt;</c>, created by the kubelet when a pod mounts the
/// claim; no PersistentVolume objects exist. As with a dynamically provisioned volume's default reclaim policy
/// <c>Delete</c>, the data goes with the claim: a deleted claim's directory is removed, and a claim bound under a
/// name whose directory belonged to an earlier claim (another UID) starts empty. Runs on its work queue's single
/// worker.
/// </summary>
internal sealed partial class ClaimBinder
{
    private static readonly TimeSpan InUseRetry = TimeSpan.FromSeconds(1);
    private readonly IKubernetes _api;
    private readonly NodeCaches _caches;
    private readonly string _stateDir;
    private readonly ILogger _logger;

    public ClaimBinder(IKubernetes api, NodeCaches caches, string stateDir, TimeProvider time, ILoggerFactory loggers)
    {
        _api = api;
        _caches = caches;
        _stateDir = stateDir;
        _logger = loggers.CreateLogger("Fjord.KubeLocal.Node.Claims");
        Queue = new WorkQueue("persistentvolumeclaim", time, _logger);
        caches.Claims.Changed += OwnerEvents.EnqueueSelf<V1PersistentVolumeClaim>(Queue);
    }

    public WorkQueue Queue { get; }

    public async Task<TimeSpan?> ReconcileAsync(string key, CancellationToken cancel)
    {
        var claim = _caches.Claims.Get(key);
        if (claim is null)
        {
            var (ns, name) = ObjectKey.Split(key);
            // What pvc-protection would hold back on a real cluster: the data stays while a pod still mounts it.
            if (_caches.Pods.List().Any(p => p.Metadata.NamespaceProperty == ns && (p.Spec.Volumes ?? []).Any(v => v.PersistentVolumeClaim?.ClaimName == name)))
            {
                return InUseRetry;
            }
            Reclaim(ns, name);
            return null;
        }
        if (claim.Metadata.DeletionTimestamp is not null || claim.Status?.Phase == "Bound")
        {
            return null;
        }
        Provision(claim);
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
            return StatusUpdate.ConflictRetry;
        }
        return null;
    }

    /// <summary>Claims the directory for this claim's UID, emptying what an earlier claim of the same name left.</summary>
    private void Provision(V1PersistentVolumeClaim claim)
    {
        var (ns, name, uid) = (claim.Metadata.NamespaceProperty, claim.Metadata.Name, claim.Metadata.Uid);
        var ownerFile = PodDirectories.ClaimOwnerFile(_stateDir, ns, name);
        if (File.Exists(ownerFile) && File.ReadAllText(ownerFile) != uid)
        {
            Reclaim(ns, name);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(ownerFile)!);
        File.WriteAllText(ownerFile, uid);
    }

    private void Reclaim(string ns, string name)
    {
        var directory = PodDirectories.ClaimDirectory(_stateDir, ns, name);
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
            LogReclaimed(_logger, ns, name);
        }
        File.Delete(PodDirectories.ClaimOwnerFile(_stateDir, ns, name));
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "claim {Namespace}/{Claim} deleted: its volume's data removed (reclaim policy Delete)")]
    private static partial void LogReclaimed(ILogger logger, string @namespace, string claim);
}
