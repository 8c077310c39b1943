using k8s;
using k8s.Models;

namespace Fjord.KubeLocal.Node.Api;

/// <summary>The <c>namespace/name</c> keys informers and work queues use (client-go's MetaNamespaceKeyFunc).</summary>
internal static class ObjectKey
{
    public static string Of(IMetadata<V1ObjectMeta> obj) => Of(obj.Metadata.NamespaceProperty, obj.Metadata.Name);

    public static string Of(string? ns, string name) => string.IsNullOrEmpty(ns) ? name : $"{ns}/{name}";

    public static (string Namespace, string Name) Split(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? ("", key) : (key[..slash], key[(slash + 1)..]);
    }
}
