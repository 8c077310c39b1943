namespace Fjord.KubeLocal.Node.Network;

/// <summary><c>--pod-network</c>: netns when the host allows it (auto), or one mode forced.</summary>
internal enum PodNetworkMode
{
    Auto,
    Netns,
    Loopback,
}
