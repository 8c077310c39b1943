using System.Globalization;
using Fjord.KubeLocal.Node.Workloads;
using k8s.Models;

namespace Fjord.KubeLocal.Node.Deployments;

/// <summary>
/// The Deployment controller's decisions (kube-controller-manager's <c>deployment/rolling.go</c>, <c>recreate.go</c>,
/// <c>sync.go</c>) as a pure function of the Deployment and the ReplicaSets it controls.
/// <list type="bullet">
/// <item>The new ReplicaSet is the one whose <c>pod-template-hash</c> is the hash of the current template; it is
/// created as <c>&lt;deployment&gt;-&lt;hash&gt;</c> with that label added to its selector and template, so its
/// template equals the Deployment's apart from the hash (what Helm's <c>--wait</c> compares).</item>
/// <item>RollingUpdate grows the new ReplicaSet while the total stays within replicas + maxSurge and shrinks old
/// ones (oldest first) while availability stays at replicas − maxUnavailable (maxSurge rounds up, maxUnavailable
/// down; both zero means one unavailable). Recreate empties old ReplicaSets first.</item>
/// <item>Status counts over all owned ReplicaSets, with conditions <c>Available</c> and <c>Progressing</c>
/// (<c>NewReplicaSetAvailable</c> once the rollout is complete). <c>progressDeadlineSeconds</c> is not enforced.</item>
/// </list>
/// Pure; any thread.
/// </summary>
internal static class DeploymentPlanner
{
    public const string HashLabel = "pod-template-hash";
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";

    public static string TemplateHashOf(V1Deployment deployment) => TemplateHash.Of(deployment.Spec.Template);

    public static (int MaxSurge, int MaxUnavailable) Limits(V1Deployment deployment)
    {
        var replicas = deployment.Spec.Replicas ?? 1;
        if (deployment.Spec.Strategy?.Type == "Recreate")
        {
            return (0, replicas);
        }
        var rolling = deployment.Spec.Strategy?.RollingUpdate;
        var surge = IntOrPercent.Resolve(rolling?.MaxSurge, replicas, roundUp: true, fallback: (replicas + 3) / 4);
        var unavailable = IntOrPercent.Resolve(rolling?.MaxUnavailable, replicas, roundUp: false, fallback: replicas / 4);
        if (surge == 0 && unavailable == 0)
        {
            unavailable = 1;
        }
        return (surge, Math.Min(unavailable, replicas));
    }

    public static DeploymentPlan Plan(V1Deployment deployment, IReadOnlyList<V1ReplicaSet> owned, DateTime now)
    {
        var replicas = deployment.Spec.Replicas ?? 1;
        var hash = TemplateHashOf(deployment);
        var newSet = owned.FirstOrDefault(rs => MetadataValue.Get(rs.Metadata.Labels, HashLabel) == hash);
        var oldSets = owned.Where(rs => rs != newSet).OrderBy(rs => rs.Metadata.CreationTimestamp ?? DateTime.MinValue).ThenBy(rs => rs.Metadata.Name, StringComparer.Ordinal).ToList();
        var (maxSurge, maxUnavailable) = Limits(deployment);
        var actions = new List<DeploymentAction>();
        var recreate = deployment.Spec.Strategy?.Type == "Recreate";
        var paused = deployment.Spec.Paused == true;

        if (!paused)
        {
            if (newSet is null)
            {
                var oldActive = oldSets.Sum(rs => rs.Spec.Replicas ?? 0);
                var oldPods = oldSets.Sum(rs => rs.Status?.Replicas ?? 0);
                int initial;
                if (recreate)
                {
                    initial = oldActive == 0 && oldPods == 0 ? replicas : 0;
                }
                else
                {
                    initial = oldActive == 0 ? replicas : Math.Clamp(replicas + maxSurge - oldActive, 0, replicas);
                }
                actions.Add(new DeploymentAction.CreateReplicaSet(NewReplicaSet(deployment, hash, initial, NextRevision(owned))));
                if (recreate)
                {
                    actions.AddRange(oldSets.Where(rs => (rs.Spec.Replicas ?? 0) > 0).Select(rs => new DeploymentAction.ScaleReplicaSet(rs.Metadata.Name, 0)));
                }
            }
            else if (recreate)
            {
                PlanRecreate(replicas, newSet, oldSets, actions);
            }
            else
            {
                PlanRollingUpdate(replicas, maxSurge, maxUnavailable, newSet, oldSets, actions);
            }
            PlanHistoryCleanup(deployment, oldSets, actions);
        }

        return new DeploymentPlan(actions, ComputeStatus(deployment, newSet, owned, maxUnavailable, now, created: newSet is null && !paused));
    }

    private static void PlanRecreate(int replicas, V1ReplicaSet newSet, List<V1ReplicaSet> oldSets, List<DeploymentAction> actions)
    {
        var scaling = oldSets.Where(rs => (rs.Spec.Replicas ?? 0) > 0).ToList();
        if (scaling.Count > 0)
        {
            actions.AddRange(scaling.Select(rs => new DeploymentAction.ScaleReplicaSet(rs.Metadata.Name, 0)));
            return;
        }
        // Recreate starts the new pods only once no old pod is left.
        if (oldSets.Sum(rs => rs.Status?.Replicas ?? 0) > 0)
        {
            return;
        }
        if ((newSet.Spec.Replicas ?? 0) != replicas)
        {
            actions.Add(new DeploymentAction.ScaleReplicaSet(newSet.Metadata.Name, replicas));
        }
    }

    private static void PlanRollingUpdate(int replicas, int maxSurge, int maxUnavailable, V1ReplicaSet newSet, List<V1ReplicaSet> oldSets, List<DeploymentAction> actions)
    {
        var newReplicas = newSet.Spec.Replicas ?? 0;
        var oldActive = oldSets.Where(rs => (rs.Spec.Replicas ?? 0) > 0).ToList();
        if (oldActive.Count == 0)
        {
            if (newReplicas != replicas)
            {
                actions.Add(new DeploymentAction.ScaleReplicaSet(newSet.Metadata.Name, replicas));
            }
            return;
        }

        var total = newReplicas + oldActive.Sum(rs => rs.Spec.Replicas ?? 0);
        var maxTotal = replicas + maxSurge;
        if (newReplicas < replicas && total < maxTotal)
        {
            var target = Math.Min(replicas, newReplicas + (maxTotal - total));
            actions.Add(new DeploymentAction.ScaleReplicaSet(newSet.Metadata.Name, target));
        }
        else if (newReplicas > replicas)
        {
            actions.Add(new DeploymentAction.ScaleReplicaSet(newSet.Metadata.Name, replicas));
        }

        var minAvailable = replicas - maxUnavailable;
        var available = (newSet.Status?.AvailableReplicas ?? 0) + oldSets.Sum(rs => rs.Status?.AvailableReplicas ?? 0);
        var newUnavailable = Math.Max(0, newReplicas - (newSet.Status?.AvailableReplicas ?? 0));
        var scaleDown = available - minAvailable - newUnavailable;
        // Old pods that are not available can go at once: removing them costs no availability.
        foreach (var rs in oldActive)
        {
            var spec = rs.Spec.Replicas ?? 0;
            var unhealthy = Math.Max(0, spec - (rs.Status?.AvailableReplicas ?? 0));
            var remove = Math.Min(spec, unhealthy + Math.Max(0, scaleDown));
            if (remove > 0)
            {
                scaleDown -= Math.Max(0, remove - unhealthy);
                actions.Add(new DeploymentAction.ScaleReplicaSet(rs.Metadata.Name, spec - remove));
            }
        }
    }

    private static void PlanHistoryCleanup(V1Deployment deployment, List<V1ReplicaSet> oldSets, List<DeploymentAction> actions)
    {
        var limit = deployment.Spec.RevisionHistoryLimit ?? 10;
        var empty = oldSets.Where(rs => (rs.Spec.Replicas ?? 0) == 0 && (rs.Status?.Replicas ?? 0) == 0 && rs.Metadata.DeletionTimestamp is null).ToList();
        foreach (var rs in empty.Take(Math.Max(0, empty.Count - limit)))
        {
            actions.Add(new DeploymentAction.DeleteReplicaSet(rs.Metadata.Name));
        }
    }

    private static int NextRevision(IReadOnlyList<V1ReplicaSet> owned)
    {
        var max = 0;
        foreach (var rs in owned)
        {
            if (MetadataValue.Get(rs.Metadata.Annotations, RevisionAnnotation) is { } text && int.TryParse(text, CultureInfo.InvariantCulture, out var revision))
            {
                max = Math.Max(max, revision);
            }
        }
        return max + 1;
    }

    private static V1ReplicaSet NewReplicaSet(V1Deployment deployment, string hash, int replicas, int revision)
    {
        var template = ObjectCopy.Clone(deployment.Spec.Template);
        template.Metadata ??= new V1ObjectMeta();
        template.Metadata.Labels = new Dictionary<string, string>(template.Metadata.Labels ?? new Dictionary<string, string>()) { [HashLabel] = hash };
        var selector = ObjectCopy.Clone(deployment.Spec.Selector);
        selector.MatchLabels = new Dictionary<string, string>(selector.MatchLabels ?? new Dictionary<string, string>()) { [HashLabel] = hash };
        return new V1ReplicaSet
        {
            ApiVersion = "apps/v1",
            Kind = "ReplicaSet",
            Metadata = new V1ObjectMeta
            {
                Name = $"{deployment.Metadata.Name}-{hash}",
                NamespaceProperty = deployment.Metadata.NamespaceProperty,
                Labels = template.Metadata.Labels,
                Annotations = new Dictionary<string, string>
                {
                    [RevisionAnnotation] = revision.ToString(CultureInfo.InvariantCulture),
                    ["deployment.kubernetes.io/desired-replicas"] = (deployment.Spec.Replicas ?? 1).ToString(CultureInfo.InvariantCulture),
                },
                OwnerReferences = [Owner.ControllerReference("apps/v1", "Deployment", deployment.Metadata)],
            },
            Spec = new V1ReplicaSetSpec
            {
                Replicas = replicas,
                MinReadySeconds = deployment.Spec.MinReadySeconds,
                Selector = selector,
                Template = template,
            },
        };
    }

    private static V1DeploymentStatus ComputeStatus(V1Deployment deployment, V1ReplicaSet? newSet, IReadOnlyList<V1ReplicaSet> owned, int maxUnavailable, DateTime now, bool created)
    {
        var replicas = deployment.Spec.Replicas ?? 1;
        var total = owned.Sum(rs => rs.Status?.Replicas ?? 0);
        var ready = owned.Sum(rs => rs.Status?.ReadyReplicas ?? 0);
        var available = owned.Sum(rs => rs.Status?.AvailableReplicas ?? 0);
        var updated = newSet?.Status?.Replicas ?? 0;
        var complete = newSet is not null && updated == replicas && total == replicas && available == replicas
            && (newSet.Status?.ObservedGeneration ?? 0) >= (newSet.Metadata.Generation ?? 0);

        var previous = deployment.Status?.Conditions ?? [];
        var availableOk = available >= replicas - maxUnavailable;
        var conditions = new List<V1DeploymentCondition>
        {
            Condition(previous, "Available", availableOk,
                availableOk ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                availableOk ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", now),
        };
        var newName = newSet?.Metadata.Name ?? $"{deployment.Metadata.Name}-{TemplateHashOf(deployment)}";
        var (reason, message) = complete
            ? ("NewReplicaSetAvailable", $"ReplicaSet \"{newName}\" has successfully progressed.")
            : created
                ? ("NewReplicaSetCreated", $"Created new replica set \"{newName}\"")
                : ("ReplicaSetUpdated", $"ReplicaSet \"{newName}\" is progressing.");
        conditions.Add(Condition(previous, "Progressing", true, reason, message, now));

        return new V1DeploymentStatus
        {
            ObservedGeneration = deployment.Metadata.Generation,
            Replicas = total,
            UpdatedReplicas = updated,
            ReadyReplicas = ready,
            AvailableReplicas = available,
            UnavailableReplicas = Math.Max(0, replicas - available),
            CollisionCount = deployment.Status?.CollisionCount,
            Conditions = conditions,
        };
    }

    /// <summary>Keeps lastTransitionTime while the status stays, and lastUpdateTime while nothing changes.</summary>
    private static V1DeploymentCondition Condition(IList<V1DeploymentCondition> previous, string type, bool status, string reason, string message, DateTime now)
    {
        var text = status ? "True" : "False";
        var old = previous.FirstOrDefault(c => c.Type == type);
        var sameStatus = old?.Status == text;
        var unchanged = sameStatus && old!.Reason == reason && old.Message == message;
        return new V1DeploymentCondition
        {
            Type = type,
            Status = text,
            Reason = reason,
            Message = message,
            LastTransitionTime = sameStatus ? old!.LastTransitionTime : now,
            LastUpdateTime = unchanged ? old!.LastUpdateTime : now,
        };
    }
}
