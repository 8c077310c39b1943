using Fjord.KubeLocal.Node.StatefulSets;
using k8s.Models;

namespace Fjord.KubeLocal.Node.Tests.Planners;

/// <summary>Builders for the observed objects the planner tests feed in.</summary>
internal static class Objects
{
    public static V1PodTemplateSpec Template(string app, string command = "sleep 3600") => new()
    {
        Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = app } },
        Spec = new V1PodSpec
        {
            Containers = [new V1Container { Name = "main", Image = "busybox", Command = ["sh", "-c", command] }],
        },
    };

    public static V1StatefulSet StatefulSet(int replicas, string policy = "OrderedReady", int? partition = null, bool claims = true, string command = "sleep 3600") => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "ns", Uid = "sts-uid", Generation = 4 },
        Spec = new V1StatefulSetSpec
        {
            Replicas = replicas,
            ServiceName = "web-headless",
            PodManagementPolicy = policy,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            Template = Template("web", command),
            UpdateStrategy = new V1StatefulSetUpdateStrategy
            {
                Type = "RollingUpdate",
                RollingUpdate = partition is null ? null : new V1RollingUpdateStatefulSetStrategy { Partition = partition },
            },
            VolumeClaimTemplates = claims
                ? [new V1PersistentVolumeClaim
                {
                    Metadata = new V1ObjectMeta { Name = "data" },
                    Spec = new V1PersistentVolumeClaimSpec { AccessModes = ["ReadWriteOnce"] },
                }]
                : null,
        },
    };

    /// <summary>Bound claims by name, owned by nobody unless <paramref name="owners"/> says.</summary>
    public static Dictionary<string, V1PersistentVolumeClaim> Claims(params string[] names) => ClaimsOwnedBy(null, names);

    public static Dictionary<string, V1PersistentVolumeClaim> ClaimsOwnedBy(V1OwnerReference[]? owners, params string[] names) =>
        names.ToDictionary(n => n, n => new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = n, NamespaceProperty = "ns", Uid = n + "-uid", ResourceVersion = "7", OwnerReferences = owners?.ToList() },
        });

    /// <summary>A pod of the set at an ordinal, at the set's current revision unless told otherwise.</summary>
    public static V1Pod SetPod(V1StatefulSet set, int ordinal, bool ready = true, string? revision = null, bool terminating = false, string phase = "Running") => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = $"{set.Metadata.Name}-{ordinal}",
            NamespaceProperty = "ns",
            Uid = $"pod-{ordinal}",
            Labels = new Dictionary<string, string>
            {
                ["app"] = "web",
                [StatefulSetPlanner.RevisionLabel] = revision ?? StatefulSetPlanner.UpdateRevision(set),
            },
            DeletionTimestamp = terminating ? new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc) : null,
            OwnerReferences = [new V1OwnerReference { Kind = "StatefulSet", Name = set.Metadata.Name, Uid = set.Metadata.Uid, Controller = true, ApiVersion = "apps/v1" }],
        },
        Spec = new V1PodSpec { NodeName = "kube-local", Containers = [] },
        Status = Status(phase, ready),
    };

    public static V1PodStatus Status(string phase, bool ready, DateTime? readySince = null) => new()
    {
        Phase = phase,
        Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False", LastTransitionTime = readySince }],
    };

    public static V1Pod Pod(string name, IDictionary<string, string> labels, bool ready, string? ownerUid = null, DateTime? created = null, bool scheduled = true) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = "ns",
            Uid = name + "-uid",
            Labels = labels,
            CreationTimestamp = created,
            OwnerReferences = ownerUid is null ? null : [new V1OwnerReference { Kind = "ReplicaSet", Name = "owner", Uid = ownerUid, Controller = true, ApiVersion = "apps/v1" }],
        },
        Spec = new V1PodSpec { NodeName = scheduled ? "kube-local" : null, Containers = [] },
        Status = Status("Running", ready),
    };
}
