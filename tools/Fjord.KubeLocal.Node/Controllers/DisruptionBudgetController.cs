using Fjord.KubeLocal.Node.Api;
using Fjord.KubeLocal.Node.Disruption;
using Fjord.KubeLocal.Node.Workloads;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Fjord.KubeLocal.Node.Controllers;

/// <summary>
/// Keeps PodDisruptionBudget status current with <see cref="PodDisruptionBudgetPlanner"/>; any pod change requeues
/// every budget of its namespace. Runs on its work queue's single worker.
/// </summary>
internal sealed class DisruptionBudgetController
{
    private readonly IKubernetes _api;
    private readonly NodeCaches _caches;
    private readonly TimeProvider _time;

    public DisruptionBudgetController(IKubernetes api, NodeCaches caches, TimeProvider time, ILoggerFactory loggers)
    {
        _api = api;
        _caches = caches;
        _time = time;
        Queue = new WorkQueue("poddisruptionbudget", time, loggers.CreateLogger("Fjord.KubeLocal.Node.Disruption"));
        caches.DisruptionBudgets.Changed += OwnerEvents.EnqueueSelf<V1PodDisruptionBudget>(Queue);
        caches.Pods.Changed += (old, now) =>
        {
            var ns = (now ?? old)!.Metadata.NamespaceProperty;
            foreach (var budget in caches.DisruptionBudgets.List().Where(b => b.Metadata.NamespaceProperty == ns))
            {
                Queue.Add(ObjectKey.Of(budget));
            }
        };
    }

    public WorkQueue Queue { get; }

    public async Task<TimeSpan?> ReconcileAsync(string key, CancellationToken cancel)
    {
        var budget = _caches.DisruptionBudgets.Get(key);
        if (budget is null || budget.Metadata.DeletionTimestamp is not null)
        {
            return null;
        }
        var ns = budget.Metadata.NamespaceProperty;
        var replicas = new Dictionary<string, int>();
        foreach (var set in _caches.StatefulSets.List().Where(s => s.Metadata.NamespaceProperty == ns))
        {
            replicas[set.Metadata.Uid] = set.Spec.Replicas ?? 1;
        }
        foreach (var set in _caches.ReplicaSets.List().Where(s => s.Metadata.NamespaceProperty == ns))
        {
            replicas[set.Metadata.Uid] = set.Spec.Replicas ?? 1;
        }
        var pods = _caches.Pods.List().Where(p => p.Metadata.NamespaceProperty == ns);
        var status = PodDisruptionBudgetPlanner.Plan(budget, pods, replicas, _time.GetUtcNow().UtcDateTime);
        if (StatusComparison.Same(budget.Status, status))
        {
            return null;
        }
        var updated = ObjectCopy.Clone(budget);
        updated.Status = status;
        try
        {
            await _api.PolicyV1.ReplaceNamespacedPodDisruptionBudgetStatusAsync(updated, budget.Metadata.Name, ns, cancellationToken: cancel);
        }
        catch (Exception e) when (ApiErrors.IsConflict(e) || ApiErrors.IsNotFound(e))
        {
            return TimeSpan.FromMilliseconds(200);
        }
        return null;
    }
}
