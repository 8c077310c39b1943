namespace Fjord.KubeLocal.Node.Kubelet;

/// <summary>
/// Containers run on the host filesystem, so a path inside a volume mount (<c>/var/lib/fjord/data</c>) must become
/// the host directory that backs the volume. Every command word, argument and env value that starts with a
/// mountPath (at a path boundary) is rewritten, and so is the value part of <c>--flag=/path</c> and
/// <c>key=/path</c> words. The longest mountPath wins, so nested mounts map correctly. Pure; any thread.
/// </summary>
internal sealed class MountPathRemapper
{
    private readonly List<(string MountPath, string HostPath)> _mounts;

    public MountPathRemapper(IEnumerable<(string MountPath, string HostPath)> mounts)
    {
        _mounts = mounts
            .Select(m => (m.MountPath.Length > 1 ? m.MountPath.TrimEnd('/') : m.MountPath, m.HostPath.TrimEnd('/')))
            .OrderByDescending(m => m.Item1.Length)
            .ToList();
    }

    public string Remap(string value)
    {
        if (TryRemapPath(value, out var remapped))
        {
            return remapped;
        }
        var equals = value.IndexOf('=', StringComparison.Ordinal);
        if (equals > 0 && TryRemapPath(value[(equals + 1)..], out remapped))
        {
            return string.Concat(value.AsSpan(0, equals + 1), remapped);
        }
        return value;
    }

    private bool TryRemapPath(string value, out string remapped)
    {
        foreach (var (mountPath, hostPath) in _mounts)
        {
            if (value.StartsWith(mountPath, StringComparison.Ordinal)
                && (value.Length == mountPath.Length || value[mountPath.Length] == '/' || mountPath == "/"))
            {
                var rest = value[mountPath.Length..].TrimStart('/');
                remapped = rest.Length == 0 ? hostPath : $"{hostPath}/{rest}";
                return true;
            }
        }
        remapped = value;
        return false;
    }
}
