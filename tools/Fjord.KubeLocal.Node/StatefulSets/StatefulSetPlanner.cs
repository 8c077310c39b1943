using System.Globalization;
using Fjord.KubeLocal.Node.Workloads;
using k8s.Models;

namespace Fjord.KubeLocal.Node.StatefulSets;

/// <summary>
/// The StatefulSet controller's decisions (kube-controller-manager's <c>stateful_set_control.go</c>), as a pure
/// function of the set, the pods it controls and the claims that exist. Level-triggered: each call looks at the
/// whole observed state and returns the next writes; the shell calls it again on every change.
/// <list type="bullet">
/// <item>OrderedReady creates ordinals upwards one at a time, each only once every lower pod is Running and Ready,
/// and removes the highest ordinal first, one at a time; Parallel creates and deletes without waiting.</item>
/// <item>RollingUpdate deletes one outdated pod at a time from the highest ordinal down to <c>partition</c>; the
/// next sync recreates it from the current template. OnDelete never deletes for updates.</item>
/// <item>Claims <c>&lt;template&gt;-&lt;set&gt;-&lt;ordinal&gt;</c> are created before their pod and never deleted
/// here: <c>persistentVolumeClaimRetentionPolicy</c> Delete works through owner references
/// (<see cref="ClaimRetention"/>), which the plan's first actions bring up to date.</item>
/// </list>
/// A pod below the partition that must be created while an update is under way gets the current revision's
/// template (<paramref name="currentTemplate"/>, read from its ControllerRevision), as on a real cluster; every other
/// pod the set's template. Pure; any thread.
/// </summary>
internal static class StatefulSetPlanner
{
    public const string RevisionLabel = "controller-revision-hash";
    public const string PodNameLabel = "statefulset.kubernetes.io/pod-name";
    public const string PodIndexLabel = "apps.kubernetes.io/pod-index";

    public static string UpdateRevision(V1StatefulSet set) => $"{set.Metadata.Name}-{TemplateHash.Of(set.Spec.Template)}";

    /// <param name="currentTemplate">The template of <c>status.currentRevision</c> when it differs from the set's, else null.</param>
    public static StatefulSetPlan Plan(V1StatefulSet set, IReadOnlyList<V1Pod> pods, IReadOnlyDictionary<string, V1PersistentVolumeClaim> claims, V1PodTemplateSpec? currentTemplate = null)
    {
        var name = set.Metadata.Name;
        var replicas = set.Spec.Replicas ?? 1;
        var parallel = set.Spec.PodManagementPolicy == "Parallel";
        var onDelete = set.Spec.UpdateStrategy?.Type == "OnDelete";
        var partition = Math.Max(0, set.Spec.UpdateStrategy?.RollingUpdate?.Partition ?? 0);
        var updateRevision = UpdateRevision(set);
        var currentRevision = string.IsNullOrEmpty(set.Status?.CurrentRevision) ? updateRevision : set.Status.CurrentRevision;

        var byOrdinal = new SortedDictionary<int, V1Pod>();
        foreach (var pod in pods)
        {
            var ordinal = OrdinalOf(name, pod.Metadata.Name);
            if (ordinal >= 0)
            {
                byOrdinal[ordinal] = pod;
            }
        }

        var status = ComputeStatus(set, byOrdinal.Values, currentRevision, updateRevision, onDelete);
        // Before any pod is deleted below: a condemned pod's claim must name the pod before the pod goes.
        var actions = new List<StatefulSetAction>(ClaimRetention.OwnerUpdates(set, pods, claims));

        // Finished pods of a set are deleted and recreated, whatever the restart policy says.
        foreach (var (ordinal, pod) in byOrdinal)
        {
            if (ordinal < replicas && PodState.IsFinished(pod) && !PodState.IsTerminating(pod))
            {
                actions.Add(new StatefulSetAction.DeletePod(pod.Metadata.Name));
                if (!parallel)
                {
                    return new(actions, status, $"recreating finished pod {pod.Metadata.Name}");
                }
            }
        }

        for (var ordinal = 0; ordinal < replicas; ordinal++)
        {
            if (byOrdinal.TryGetValue(ordinal, out var pod))
            {
                if (!parallel && !PodState.IsRunningAndReady(pod))
                {
                    return new(actions, status, $"waiting for {pod.Metadata.Name} to be Running and Ready");
                }
                continue;
            }
            foreach (var claim in ClaimsFor(set, ordinal))
            {
                if (!claims.ContainsKey(claim.Metadata.Name))
                {
                    actions.Add(new StatefulSetAction.CreateClaim(claim));
                }
            }
            var atCurrent = !onDelete && ordinal < partition && currentTemplate is not null && currentRevision != updateRevision;
            actions.Add(new StatefulSetAction.CreatePod(atCurrent
                ? NewPod(set, currentTemplate!, ordinal, currentRevision)
                : NewPod(set, set.Spec.Template, ordinal, updateRevision)));
            if (!parallel)
            {
                return new(actions, status, $"waiting for {name}-{ordinal} to be created and Ready");
            }
        }

        var condemned = byOrdinal.Where(p => p.Key >= replicas).OrderByDescending(p => p.Key).Select(p => p.Value).ToList();
        if (condemned.Count > 0)
        {
            if (parallel)
            {
                actions.AddRange(condemned.Where(p => !PodState.IsTerminating(p)).Select(p => new StatefulSetAction.DeletePod(p.Metadata.Name)));
                return new(actions, status, null);
            }
            var highest = condemned[0];
            if (PodState.IsTerminating(highest))
            {
                return new(actions, status, $"waiting for {highest.Metadata.Name} to terminate");
            }
            actions.Add(new StatefulSetAction.DeletePod(highest.Metadata.Name));
            return new(actions, status, $"scaling down: deleted {highest.Metadata.Name}");
        }

        if (onDelete)
        {
            return new(actions, status, null);
        }
        for (var ordinal = replicas - 1; ordinal >= partition; ordinal--)
        {
            if (!byOrdinal.TryGetValue(ordinal, out var pod))
            {
                continue;
            }
            if (PodState.IsTerminating(pod))
            {
                return new(actions, status, $"waiting for {pod.Metadata.Name} to terminate");
            }
            if (RevisionOf(pod) != updateRevision)
            {
                actions.Add(new StatefulSetAction.DeletePod(pod.Metadata.Name));
                return new(actions, status, $"rolling update: deleted {pod.Metadata.Name}");
            }
            if (!PodState.IsRunningAndReady(pod))
            {
                return new(actions, status, $"rolling update: waiting for {pod.Metadata.Name} to be Ready");
            }
        }
        return new(actions, status, null);
    }

    /// <summary>The ordinal in <c>&lt;set&gt;-&lt;ordinal&gt;</c>, or -1 when the name is not one of the set's.</summary>
    public static int OrdinalOf(string setName, string podName) =>
        podName.Length > setName.Length + 1 && podName.StartsWith(setName + "-", StringComparison.Ordinal)
        && int.TryParse(podName.AsSpan(setName.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal)
            ? ordinal
            : -1;

    public static string ClaimName(string template, string setName, int ordinal) => $"{template}-{setName}-{ordinal}";

    private static string? RevisionOf(V1Pod pod) =>
        MetadataValue.Get(pod.Metadata.Labels, RevisionLabel);

    private static V1StatefulSetStatus ComputeStatus(V1StatefulSet set, IEnumerable<V1Pod> pods, string currentRevision, string updateRevision, bool onDelete)
    {
        int created = 0, ready = 0, current = 0, updated = 0;
        foreach (var pod in pods)
        {
            created++;
            if (PodState.IsRunningAndReady(pod))
            {
                ready++;
            }
            if (!PodState.IsTerminating(pod))
            {
                var revision = RevisionOf(pod);
                current += revision == currentRevision ? 1 : 0;
                updated += revision == updateRevision ? 1 : 0;
            }
        }
        // completeRollingUpdate: once every pod is updated and ready, the update revision becomes the current one.
        if (!onDelete && updated == created && ready == created)
        {
            currentRevision = updateRevision;
            current = updated;
        }
        return new V1StatefulSetStatus
        {
            ObservedGeneration = set.Metadata.Generation,
            Replicas = created,
            ReadyReplicas = ready,
            AvailableReplicas = ready,
            CurrentReplicas = current,
            UpdatedReplicas = updated,
            CurrentRevision = currentRevision,
            UpdateRevision = updateRevision,
            CollisionCount = set.Status?.CollisionCount ?? 0,
        };
    }

    private static IEnumerable<V1PersistentVolumeClaim> ClaimsFor(V1StatefulSet set, int ordinal)
    {
        foreach (var template in set.Spec.VolumeClaimTemplates ?? [])
        {
            var labels = new Dictionary<string, string>(template.Metadata?.Labels ?? new Dictionary<string, string>());
            foreach (var (key, value) in set.Spec.Selector?.MatchLabels ?? new Dictionary<string, string>())
            {
                labels[key] = value;
            }
            yield return new V1PersistentVolumeClaim
            {
                ApiVersion = "v1",
                Kind = "PersistentVolumeClaim",
                Metadata = new V1ObjectMeta
                {
                    Name = ClaimName(template.Metadata!.Name, set.Metadata.Name, ordinal),
                    NamespaceProperty = set.Metadata.NamespaceProperty,
                    Labels = labels,
                    Annotations = template.Metadata.Annotations,
                    OwnerReferences = ClaimRetention.ForNewClaim(set),
                },
                Spec = ObjectCopy.Clone(template.Spec),
            };
        }
    }

    private static V1Pod NewPod(V1StatefulSet set, V1PodTemplateSpec source, int ordinal, string revision)
    {
        var template = ObjectCopy.Clone(source);
        var podName = $"{set.Metadata.Name}-{ordinal}";
        var labels = new Dictionary<string, string>(template.Metadata?.Labels ?? new Dictionary<string, string>())
        {
            [PodNameLabel] = podName,
            [RevisionLabel] = revision,
            [PodIndexLabel] = ordinal.ToString(CultureInfo.InvariantCulture),
        };
        var spec = template.Spec;
        spec.Hostname = podName;
        if (!string.IsNullOrEmpty(set.Spec.ServiceName))
        {
            spec.Subdomain = set.Spec.ServiceName;
        }
        var volumes = (spec.Volumes ?? []).ToList();
        foreach (var claimTemplate in set.Spec.VolumeClaimTemplates ?? [])
        {
            volumes.RemoveAll(v => v.Name == claimTemplate.Metadata.Name);
            volumes.Add(new V1Volume
            {
                Name = claimTemplate.Metadata.Name,
                PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource
                {
                    ClaimName = ClaimName(claimTemplate.Metadata.Name, set.Metadata.Name, ordinal),
                },
            });
        }
        spec.Volumes = volumes.Count > 0 ? volumes : null;
        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = podName,
                NamespaceProperty = set.Metadata.NamespaceProperty,
                Labels = labels,
                Annotations = template.Metadata?.Annotations,
                OwnerReferences = [Owner.ControllerReference("apps/v1", "StatefulSet", set.Metadata)],
            },
            Spec = spec,
        };
    }
}
