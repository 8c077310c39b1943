using Fjord.KubeLocal.Node.Workloads;
using k8s.Models;

namespace Fjord.KubeLocal.Node.StatefulSets;

/// <summary>
/// <c>persistentVolumeClaimRetentionPolicy</c> (KEP-1847, GA in 1.32) as the StatefulSet controller carries it out:
/// not by deleting claims itself but by giving them owner references the garbage collector follows.
/// <list type="bullet">
/// <item><c>whenDeleted: Delete</c>: a claim of a pod inside the replica range is owned by the set, so deleting the
/// set collects it.</item>
/// <item><c>whenScaled: Delete</c>: a claim of a condemned pod (ordinal ≥ replicas) is owned by that pod instead, so
/// the scale-down's pod deletion collects it. The controller writes the reference before it deletes the pod.</item>
/// <item><c>Retain</c> removes the set's or the pod's reference again, so changing the policy back keeps the data.</item>
/// </list>
/// References to other owners (a user's) are left as they are. Pure; any thread.
/// </summary>
internal static class ClaimRetention
{
    public const string Delete = "Delete";

    /// <summary>The owner references a new claim of an in-range ordinal is created with.</summary>
    public static IList<V1OwnerReference>? ForNewClaim(V1StatefulSet set) =>
        DeletesWithSet(set) ? [SetReference(set)] : null;

    /// <summary>The claims of existing pods whose owner references differ from what the policy wants, with the wanted list.</summary>
    public static List<StatefulSetAction.SetClaimOwners> OwnerUpdates(V1StatefulSet set, IReadOnlyList<V1Pod> pods, IReadOnlyDictionary<string, V1PersistentVolumeClaim> claims)
    {
        var name = set.Metadata.Name;
        var replicas = set.Spec.Replicas ?? 1;
        var updates = new List<StatefulSetAction.SetClaimOwners>();
        foreach (var pod in pods)
        {
            var ordinal = StatefulSetPlanner.OrdinalOf(name, pod.Metadata.Name);
            if (ordinal < 0)
            {
                continue;
            }
            foreach (var template in set.Spec.VolumeClaimTemplates ?? [])
            {
                if (!claims.TryGetValue(StatefulSetPlanner.ClaimName(template.Metadata.Name, name, ordinal), out var claim)
                    || claim.Metadata.DeletionTimestamp is not null)
                {
                    continue;
                }
                var current = claim.Metadata.OwnerReferences ?? [];
                var wanted = Wanted(set, pod, condemned: ordinal >= replicas, current);
                if (!SameUids(current, wanted))
                {
                    updates.Add(new StatefulSetAction.SetClaimOwners(claim.Metadata.Name, claim.Metadata.ResourceVersion, wanted));
                }
            }
        }
        return updates;
    }

    private static List<V1OwnerReference> Wanted(V1StatefulSet set, V1Pod pod, bool condemned, IList<V1OwnerReference> current)
    {
        var others = current.Where(r => r.Uid != set.Metadata.Uid && r.Uid != pod.Metadata.Uid).ToList();
        if (condemned && DeletesWhenScaled(set))
        {
            others.Add(new V1OwnerReference { ApiVersion = "v1", Kind = "Pod", Name = pod.Metadata.Name, Uid = pod.Metadata.Uid });
        }
        else if (DeletesWithSet(set))
        {
            // Also on a condemned pod's claim under whenScaled Retain: deleting the set later still takes it.
            others.Add(SetReference(set));
        }
        return others;
    }

    private static bool SameUids(IList<V1OwnerReference> current, List<V1OwnerReference> wanted) =>
        current.Select(r => r.Uid).Order(StringComparer.Ordinal).SequenceEqual(wanted.Select(r => r.Uid).Order(StringComparer.Ordinal));

    private static V1OwnerReference SetReference(V1StatefulSet set) => Owner.ControllerReference("apps/v1", "StatefulSet", set.Metadata);

    private static bool DeletesWithSet(V1StatefulSet set) => set.Spec.PersistentVolumeClaimRetentionPolicy?.WhenDeleted == Delete;

    private static bool DeletesWhenScaled(V1StatefulSet set) => set.Spec.PersistentVolumeClaimRetentionPolicy?.WhenScaled == Delete;
}
