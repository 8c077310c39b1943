namespace Fjord.KubeLocal.Resources;

/// <summary>The built-in kinds kube-local serves, as a 1.32 API server lists them in legacy discovery.</summary>
public static class BuiltInResources
{
    public static readonly IReadOnlyList<ResourceType> All =
    [
        Core("namespaces", "namespace", "Namespace", false, ["ns"], [], ["status", "finalize"]),
        Core("pods", "pod", "Pod", true, ["po"], ["all"], ["status", "log", "binding", "eviction"]),
        Core("services", "service", "Service", true, ["svc"], ["all"], ["status"]),
        Core("configmaps", "configmap", "ConfigMap", true, ["cm"], [], []),
        Core("secrets", "secret", "Secret", true, [], [], []),
        Core("serviceaccounts", "serviceaccount", "ServiceAccount", true, ["sa"], [], []),
        Core("persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true, ["pvc"], [], ["status"]),
        Core("events", "event", "Event", true, ["ev"], [], []),
        Core("nodes", "node", "Node", false, ["no"], [], ["status"]),
        Core("endpoints", "endpoints", "Endpoints", true, ["ep"], [], []),
        new("events.k8s.io", "v1", "events", "event", "Event", true, ["ev"], [], [], false, "events"),
        Apps("statefulsets", "statefulset", "StatefulSet", ["sts"]),
        Apps("deployments", "deployment", "Deployment", ["deploy"]),
        Apps("replicasets", "replicaset", "ReplicaSet", ["rs"]),
        new("apps", "v1", "controllerrevisions", "controllerrevision", "ControllerRevision", true, [], [], [], false, "apps/controllerrevisions"),
        new("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", true, ["pdb"], [], ["status"], true, "policy/poddisruptionbudgets"),
        new("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, [], [], [], false, "coordination.k8s.io/leases"),
        Rbac("roles", "role", "Role", true),
        Rbac("rolebindings", "rolebinding", "RoleBinding", true),
        Rbac("clusterroles", "clusterrole", "ClusterRole", false),
        Rbac("clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false),
        new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition", "CustomResourceDefinition", false, ["crd", "crds"], ["api-extensions"], ["status"], true, "apiextensions.k8s.io/customresourcedefinitions"),
    ];

    /// <summary>Group-versions in the order <c>/apis</c> lists them.</summary>
    public static IEnumerable<string> Groups => All.Where(r => r.Group.Length > 0).Select(r => r.Group).Distinct();

    private static ResourceType Core(string plural, string singular, string kind, bool namespaced, string[] shortNames, string[] categories, string[] subresources) =>
        new("", "v1", plural, singular, kind, namespaced, shortNames, categories, subresources, false, plural);

    private static ResourceType Apps(string plural, string singular, string kind, string[] shortNames) =>
        new("apps", "v1", plural, singular, kind, true, shortNames, ["all"], ["status", "scale"], true, "apps/" + plural);

    private static ResourceType Rbac(string plural, string singular, string kind, bool namespaced) =>
        new("rbac.authorization.k8s.io", "v1", plural, singular, kind, namespaced, [], [], [], false, "rbac.authorization.k8s.io/" + plural);
}
