using k8s;

namespace Fjord.Operator.Reconciling;

/// <summary>Create the object or bring it to this content (server-side apply, field manager fjord-operator).</summary>
public sealed record ApplyObject(string Kind, string Name, object Object) : ReconcileAction
{
    public static ApplyObject Of<T>(T obj) where T : IKubernetesObject<k8s.Models.V1ObjectMeta> =>
        new(obj.Kind, obj.Metadata.Name, obj);
}
