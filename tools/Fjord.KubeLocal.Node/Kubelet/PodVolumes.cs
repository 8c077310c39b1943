using System.Text;
using k8s.Models;

namespace Fjord.KubeLocal.Node.Kubelet;

/// <summary>
/// Materialises a pod's volumes as host directories: emptyDir (and anything unsupported) as an empty per-pod dir,
/// configMap and secret as one file per key (honouring <c>items</c>), persistentVolumeClaim as the claim's
/// directory, hostPath as itself; then maps each container's volumeMounts (with <c>subPath</c>) to those
/// directories for <see cref="MountPathRemapper"/>. Files are written at pod start and not refreshed later.
/// Called from the pod's worker only.
/// </summary>
internal static class PodVolumes
{
    /// <summary>Creates the directories and files; returns the host directory of every volume, or an error.</summary>
    public static (Dictionary<string, string> HostPaths, string? Error) Prepare(V1Pod pod, PodDirectories dirs,
        Func<string, V1ConfigMap?> configMap, Func<string, V1Secret?> secret)
    {
        var hostPaths = new Dictionary<string, string>(StringComparer.Ordinal);
        Directory.CreateDirectory(dirs.WorkingDirectory);
        foreach (var volume in pod.Spec.Volumes ?? [])
        {
            string path;
            if (volume.PersistentVolumeClaim is { } claim)
            {
                path = dirs.Claim(claim.ClaimName);
                Directory.CreateDirectory(path);
            }
            else if (volume.HostPath is { } host)
            {
                path = host.Path;
                Directory.CreateDirectory(path);
            }
            else
            {
                path = dirs.PodVolume(volume.Name);
                Directory.CreateDirectory(path);
                if (volume.ConfigMap is { } cmSource)
                {
                    var cm = configMap(cmSource.Name);
                    if (cm is null && cmSource.Optional != true)
                    {
                        return (hostPaths, $"configmap \"{cmSource.Name}\" not found");
                    }
                    var files = (cm?.Data ?? new Dictionary<string, string>()).Select(kv => (kv.Key, Encoding.UTF8.GetBytes(kv.Value)))
                        .Concat((cm?.BinaryData ?? new Dictionary<string, byte[]>()).Select(kv => (kv.Key, kv.Value)));
                    WriteFiles(path, files, cmSource.Items);
                }
                else if (volume.Secret is { } secretSource)
                {
                    var s = secret(secretSource.SecretName);
                    if (s is null && secretSource.Optional != true)
                    {
                        return (hostPaths, $"secret \"{secretSource.SecretName}\" not found");
                    }
                    WriteFiles(path, (s?.Data ?? new Dictionary<string, byte[]>()).Select(kv => (kv.Key, kv.Value)), secretSource.Items);
                }
            }
            hostPaths[volume.Name] = path;
        }
        return (hostPaths, null);
    }

    public static MountPathRemapper RemapperFor(V1Container container, IReadOnlyDictionary<string, string> hostPaths)
    {
        var mounts = new List<(string, string)>();
        foreach (var mount in container.VolumeMounts ?? [])
        {
            if (!hostPaths.TryGetValue(mount.Name, out var host))
            {
                continue;
            }
            if (!string.IsNullOrEmpty(mount.SubPath))
            {
                host = Path.Combine(host, mount.SubPath);
                Directory.CreateDirectory(host);
            }
            mounts.Add((mount.MountPath, host));
        }
        return new MountPathRemapper(mounts);
    }

    private static void WriteFiles(string dir, IEnumerable<(string Key, byte[] Value)> data, IList<V1KeyToPath>? items)
    {
        var byKey = data.ToDictionary(d => d.Key, d => d.Value, StringComparer.Ordinal);
        var files = items is { Count: > 0 }
            ? items.Where(i => byKey.ContainsKey(i.Key)).Select(i => (i.Path, byKey[i.Key]))
            : byKey.Select(kv => (kv.Key, kv.Value));
        foreach (var (relative, bytes) in files)
        {
            var file = Path.Combine(dir, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllBytes(file, bytes);
        }
    }
}
