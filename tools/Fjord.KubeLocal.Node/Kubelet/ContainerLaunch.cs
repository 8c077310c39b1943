namespace Fjord.KubeLocal.Node.Kubelet;

/// <summary>
/// Everything needed to start one container instance on the host, paths already remapped. <see cref="HostsFile"/> is
/// the namespace's cluster DNS file to mount over /etc/hosts, or null when pod DNS is off; <see cref="NetworkNamespace"/>
/// the pod's network namespace (under /run/netns), or null for the host's.
/// </summary>
internal sealed record ContainerLaunch(
    ContainerCommand Command,
    IReadOnlyDictionary<string, string> Environment,
    MountPathRemapper Remapper,
    string WorkingDirectory,
    string LogPath,
    string PodIp,
    string? HostsFile,
    string? NetworkNamespace);
