using k8s.Models;

namespace Fjord.KubeLocal.Node.Workloads;

/// <summary>The controller owner reference workload controllers put on what they create. Pure; any thread.</summary>
internal static class Owner
{
    public static V1OwnerReference ControllerReference(string apiVersion, string kind, V1ObjectMeta owner) => new()
    {
        ApiVersion = apiVersion,
        Kind = kind,
        Name = owner.Name,
        Uid = owner.Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };
}
