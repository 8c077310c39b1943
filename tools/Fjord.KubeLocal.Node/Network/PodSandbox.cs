namespace Fjord.KubeLocal.Node.Network;

/// <summary>
/// Where a pod's containers run on the network: its IP, the node's IP as the pod sees it (<c>status.hostIP</c>),
/// the network namespace its processes join (null: the host's), and the kubeconfig that reaches the API server
/// from there.
/// </summary>
internal sealed record PodSandbox(string PodIp, string HostIp, string? NetworkNamespace, string Kubeconfig);
