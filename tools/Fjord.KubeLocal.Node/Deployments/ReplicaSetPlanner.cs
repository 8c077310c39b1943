using Fjord.KubeLocal.Node.Workloads;
using k8s.Models;

namespace Fjord.KubeLocal.Node.Deployments;

/// <summary>
/// The ReplicaSet controller's decisions (<c>replica_set.go</c>): create pods <c>&lt;rs&gt;-&lt;5 chars&gt;</c> from
/// the template up to <c>spec.replicas</c>, delete the surplus (not ready before ready, unscheduled before
/// scheduled, newest first), and count replicas, ready and available pods (ready for at least minReadySeconds).
/// When <paramref name="manageReplicas"/> is false (earlier creates or deletes not yet observed, see
/// <see cref="CreationExpectations"/>) it only computes status. Pure apart from the injected <see cref="Random"/>.
/// </summary>
internal static class ReplicaSetPlanner
{
    private const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    public static ReplicaSetPlan Plan(V1ReplicaSet set, IReadOnlyList<V1Pod> owned, bool manageReplicas, DateTime now, Random random)
    {
        var active = owned.Where(PodState.IsActive).ToList();
        var desired = set.Spec.Replicas ?? 1;
        var create = new List<V1Pod>();
        var delete = new List<string>();
        if (manageReplicas && set.Metadata.DeletionTimestamp is null)
        {
            for (var i = active.Count; i < desired; i++)
            {
                create.Add(NewPod(set, random));
            }
            if (active.Count > desired)
            {
                delete.AddRange(active
                    .OrderBy(p => PodState.IsReady(p) ? 1 : 0)
                    .ThenBy(p => string.IsNullOrEmpty(p.Spec.NodeName) ? 0 : 1)
                    .ThenByDescending(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue)
                    .Take(active.Count - desired)
                    .Select(p => p.Metadata.Name));
            }
        }
        var minReady = TimeSpan.FromSeconds(set.Spec.MinReadySeconds ?? 0);
        var status = new V1ReplicaSetStatus
        {
            ObservedGeneration = set.Metadata.Generation,
            Replicas = active.Count,
            FullyLabeledReplicas = active.Count(p => LabelSelectorMatch.Matches(set.Spec.Selector, p.Metadata.Labels)),
            ReadyReplicas = active.Count(PodState.IsReady),
            AvailableReplicas = active.Count(p => IsAvailable(p, minReady, now)),
        };
        return new ReplicaSetPlan(create, delete, status);
    }

    public static bool IsAvailable(V1Pod pod, TimeSpan minReady, DateTime now)
    {
        var ready = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready" && c.Status == "True");
        return ready is not null && (minReady <= TimeSpan.Zero || (ready.LastTransitionTime is { } since && since + minReady <= now));
    }

    private static V1Pod NewPod(V1ReplicaSet set, Random random)
    {
        var template = ObjectCopy.Clone(set.Spec.Template);
        var suffix = new char[5];
        for (var i = 0; i < suffix.Length; i++)
        {
            suffix[i] = NameAlphabet[random.Next(NameAlphabet.Length)];
        }
        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = $"{set.Metadata.Name}-{new string(suffix)}",
                NamespaceProperty = set.Metadata.NamespaceProperty,
                Labels = template.Metadata?.Labels,
                Annotations = template.Metadata?.Annotations,
                OwnerReferences = [Owner.ControllerReference("apps/v1", "ReplicaSet", set.Metadata)],
            },
            Spec = template.Spec,
        };
    }
}
