using System.Security.Cryptography;
using System.Text;
using k8s;
using k8s.Models;

namespace Fjord.Operator.Reconciling;

/// <summary>
/// Stamps each desired object with a hash of its content (annotation <c>fjord.dev/desired-hash</c>) so a reconcile can
/// tell "already applied" from "changed" without diffing fields the API server defaults. Thread-safe (stateless).
/// </summary>
public static class DesiredObjectHash
{
    public const string Annotation = "fjord.dev/desired-hash";

    public static T Stamp<T>(T obj) where T : IKubernetesObject<V1ObjectMeta>
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(KubernetesJson.Serialize(obj))))[..16];
        obj.Metadata.Annotations ??= new Dictionary<string, string>();
        obj.Metadata.Annotations[Annotation] = hash;
        return obj;
    }

    /// <summary>True when <paramref name="observed"/> exists and carries the same hash as the stamped <paramref name="desired"/>.</summary>
    public static bool Matches(IKubernetesObject<V1ObjectMeta>? observed, IKubernetesObject<V1ObjectMeta> desired) =>
        observed?.Metadata.Annotations is { } annotations
        && annotations.TryGetValue(Annotation, out var hash)
        && hash == desired.Metadata.Annotations[Annotation];
}
