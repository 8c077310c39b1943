namespace Fjord.KubeLocal.Patching;

/// <summary>
/// The <c>patchStrategy</c>/<c>patchMergeKey</c> tags of the built-in API types kube-local serves
/// (k8s.io/api struct tags), looked up by field name and the path above it. Fields not listed are atomic lists.
/// </summary>
public static class PatchMergeKeys
{
    /// <summary>The merge key of a list of maps, "" for a merged list of scalars, null for an atomic list.</summary>
    public static string? For(IReadOnlyList<string> parentPath, string field)
    {
        var inContainer = parentPath.Count > 0 && parentPath[^1] is "containers" or "initContainers" or "ephemeralContainers";
        return field switch
        {
            "containers" or "initContainers" or "ephemeralContainers" => "name",
            "env" when inContainer => "name",
            "ports" when inContainer => "containerPort",
            "ports" when !inContainer && parentPath.Count > 0 && parentPath[^1] == "spec" => "port",
            "volumeMounts" => "mountPath",
            "volumeDevices" => "devicePath",
            "volumes" => "name",
            "imagePullSecrets" => "name",
            "hostAliases" => "ip",
            "resourceClaims" => "name",
            "topologySpreadConstraints" => "topologyKey",
            "conditions" => "type",
            "ownerReferences" => "uid",
            "finalizers" when parentPath.Count == 1 && parentPath[0] == "metadata" => "",
            _ => null,
        };
    }
}
