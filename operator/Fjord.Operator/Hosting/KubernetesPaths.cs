using Fjord.Operator.Crds;

namespace Fjord.Operator.Hosting;

/// <summary>REST paths of the resources the operator reads and writes; <c>ns</c> null means all namespaces.</summary>
public static class KubernetesPaths
{
    public static string Collection(string kind, string? ns)
    {
        var (prefix, plural) = kind switch
        {
            "ConfigMap" => ("/api/v1", "configmaps"),
            "Service" => ("/api/v1", "services"),
            "Pod" => ("/api/v1", "pods"),
            "Event" => ("/api/v1", "events"),
            "StatefulSet" => ("/apis/apps/v1", "statefulsets"),
            "PodDisruptionBudget" => ("/apis/policy/v1", "poddisruptionbudgets"),
            "ServiceMonitor" => ("/apis/monitoring.coreos.com/v1", "servicemonitors"),
            V1Alpha1FjordCluster.KindName => ($"/apis/{FjordGroup.ApiVersion}", V1Alpha1FjordCluster.PluralName),
            V1Alpha1FjordTopic.KindName => ($"/apis/{FjordGroup.ApiVersion}", V1Alpha1FjordTopic.PluralName),
            _ => throw new ArgumentException($"unknown kind {kind}", nameof(kind)),
        };
        return ns is null ? $"{prefix}/{plural}" : $"{prefix}/namespaces/{ns}/{plural}";
    }

    public static string Item(string kind, string ns, string name) => $"{Collection(kind, ns)}/{name}";
}
