using System.Text;
using k8s.Models;

namespace Fjord.KubeLocal.Node.Kubelet;

/// <summary>
/// Builds a container's environment as the kubelet does: <c>envFrom</c> (configMapRef, secretRef, with prefix) first,
/// then <c>env</c> in order, each value expanding <c>$(VAR)</c> from the ones before it; <c>valueFrom</c> supports the
/// downward API (<c>metadata.name|namespace|uid</c>, <c>metadata.labels['k']</c>, <c>metadata.annotations['k']</c>,
/// <c>spec.nodeName</c>, <c>spec.serviceAccountName</c>, <c>status.podIP</c>, <c>status.hostIP</c>) and
/// configMapKeyRef/secretKeyRef. A missing non-optional source fails the container
/// (<c>CreateContainerConfigError</c>). Values under a mountPath are remapped afterwards by the caller.
/// Pure; the lookups are the kubelet's informer caches.
/// </summary>
internal static class ContainerEnvironment
{
    public sealed record Result(IReadOnlyDictionary<string, string> Variables, string? Error);

    public static Result Build(V1Pod pod, V1Container container, string podIp, string hostIp,
        Func<string, V1ConfigMap?> configMap, Func<string, V1Secret?> secret)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in container.EnvFrom ?? [])
        {
            var prefix = source.Prefix ?? "";
            if (source.ConfigMapRef is { } cmRef)
            {
                var cm = configMap(cmRef.Name);
                if (cm is null)
                {
                    if (cmRef.Optional != true)
                    {
                        return new(env, $"configmap \"{cmRef.Name}\" not found");
                    }
                    continue;
                }
                foreach (var (key, value) in cm.Data ?? new Dictionary<string, string>())
                {
                    env[prefix + key] = value;
                }
            }
            if (source.SecretRef is { } secretRef)
            {
                var s = secret(secretRef.Name);
                if (s is null)
                {
                    if (secretRef.Optional != true)
                    {
                        return new(env, $"secret \"{secretRef.Name}\" not found");
                    }
                    continue;
                }
                foreach (var (key, value) in s.Data ?? new Dictionary<string, byte[]>())
                {
                    env[prefix + key] = Encoding.UTF8.GetString(value);
                }
            }
        }
        foreach (var variable in container.Env ?? [])
        {
            if (variable.ValueFrom is null)
            {
                env[variable.Name] = ContainerCommandResolver.Expand(variable.Value ?? "", env);
                continue;
            }
            var (value, error) = ValueFrom(pod, variable.ValueFrom, podIp, hostIp, configMap, secret);
            if (error is not null)
            {
                return new(env, $"env {variable.Name}: {error}");
            }
            if (value is not null)
            {
                env[variable.Name] = value;
            }
        }
        return new(env, null);
    }

    private static (string? Value, string? Error) ValueFrom(V1Pod pod, V1EnvVarSource source, string podIp, string hostIp,
        Func<string, V1ConfigMap?> configMap, Func<string, V1Secret?> secret)
    {
        if (source.FieldRef is { } field)
        {
            var path = field.FieldPath;
            var value = path switch
            {
                "metadata.name" => pod.Metadata.Name,
                "metadata.namespace" => pod.Metadata.NamespaceProperty,
                "metadata.uid" => pod.Metadata.Uid,
                "spec.nodeName" => pod.Spec.NodeName,
                "spec.serviceAccountName" => pod.Spec.ServiceAccountName,
                "status.podIP" => podIp,
                "status.podIPs" => podIp,
                "status.hostIP" => hostIp,
                "status.hostIPs" => hostIp,
                _ when path.StartsWith("metadata.labels['", StringComparison.Ordinal) => Lookup(pod.Metadata.Labels, path, "metadata.labels['"),
                _ when path.StartsWith("metadata.annotations['", StringComparison.Ordinal) => Lookup(pod.Metadata.Annotations, path, "metadata.annotations['"),
                _ => null,
            };
            return value is null && !path.StartsWith("metadata.", StringComparison.Ordinal)
                ? (null, $"unsupported fieldRef {path}")
                : (value ?? "", null);
        }
        if (source.ConfigMapKeyRef is { } cmKey)
        {
            var cm = configMap(cmKey.Name);
            if (cm?.Data is { } data && data.TryGetValue(cmKey.Key, out var value))
            {
                return (value, null);
            }
            return cmKey.Optional == true ? (null, null) : (null, $"configmap \"{cmKey.Name}\" has no key \"{cmKey.Key}\"");
        }
        if (source.SecretKeyRef is { } secretKey)
        {
            var s = secret(secretKey.Name);
            if (s?.Data is { } data && data.TryGetValue(secretKey.Key, out var value))
            {
                return (Encoding.UTF8.GetString(value), null);
            }
            return secretKey.Optional == true ? (null, null) : (null, $"secret \"{secretKey.Name}\" has no key \"{secretKey.Key}\"");
        }
        if (source.ResourceFieldRef is not null)
        {
            // No cgroups here: limits are not enforced, and 0 is what the kubelet reports for "unlimited" divisors.
            return ("0", null);
        }
        return (null, "empty valueFrom");
    }

    private static string? Lookup(IDictionary<string, string>? values, string path, string prefix)
    {
        var key = path[prefix.Length..^2];
        return values is not null && values.TryGetValue(key, out var value) ? value : "";
    }
}
