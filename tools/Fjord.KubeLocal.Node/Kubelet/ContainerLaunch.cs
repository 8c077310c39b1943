namespace Fjord.KubeLocal.Node.Kubelet;

/// <summary>Everything needed to start one container instance on the host, paths already remapped.</summary>
internal sealed record ContainerLaunch(
    ContainerCommand Command,
    IReadOnlyDictionary<string, string> Environment,
    MountPathRemapper Remapper,
    string WorkingDirectory,
    string LogPath,
    string PodIp);
