using k8s;

namespace Fjord.KubeLocal.Node.Workloads;

/// <summary>Deep copies of API models through their JSON form (the models are mutable). Pure; any thread.</summary>
internal static class ObjectCopy
{
    public static T Clone<T>(T value) => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(value));
}
