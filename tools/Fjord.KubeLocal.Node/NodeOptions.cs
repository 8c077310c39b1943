using Fjord.KubeLocal.Node.Network;

namespace Fjord.KubeLocal.Node;

/// <summary>Command line of <c>kube-local-node</c>.</summary>
internal sealed record NodeOptions(Uri Server, string StateDir, string NodeName, string RepoRoot,
    PodNetworkMode PodNetwork = PodNetworkMode.Auto, string? PodCidr = null)
{
    public const string Usage =
        "usage: kube-local-node --server http://127.0.0.1:PORT --state-dir DIR [--node-name kube-local] [--repo-root PATH]\n" +
        "                       [--pod-network auto|netns|loopback] [--pod-cidr CIDR]\n" +
        "  Runs the StatefulSet, Deployment, ReplicaSet, PodDisruptionBudget and claim controllers and a process kubelet\n" +
        "  against a kube-local API server. Pods run as host processes; logs go to DIR/pods/<ns>/<pod>/<container>.log.\n" +
        "  --pod-network: netns gives each pod a network namespace on a bridge (root, iproute2, nsenter), loopback a\n" +
        "  127.244.x.y address in the host's; auto (default) is netns where possible. --pod-cidr: the bridge's subnet\n" +
        "  (default: the first 10.244.X.0/24 no host address or route overlaps).\n" +
        "       kube-local-node --state-dir DIR --remove-pod-network\n" +
        "  Removes the namespaces, veths and bridge a node of DIR left behind when it was killed, and exits.";

    public static NodeOptions Parse(string[] args)
    {
        string? server = null, stateDir = null, nodeName = "kube-local", repoRoot = null, podCidr = null;
        var podNetwork = PodNetworkMode.Auto;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--server": server = value; break;
                case "--state-dir": stateDir = value; break;
                case "--node-name": nodeName = value; break;
                case "--repo-root": repoRoot = value; break;
                case "--pod-network":
                    podNetwork = Enum.TryParse<PodNetworkMode>(value, ignoreCase: true, out var mode) && !int.TryParse(value, out _)
                        ? mode : throw new ArgumentException($"--pod-network {value}: expected auto, netns or loopback");
                    break;
                case "--pod-cidr": podCidr = value; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
            i++;
        }
        if (server is null || stateDir is null)
        {
            throw new ArgumentException("--server and --state-dir are required");
        }
        return new NodeOptions(new Uri(server), Path.GetFullPath(stateDir), nodeName, Path.GetFullPath(repoRoot ?? FindRepoRoot()), podNetwork, podCidr);
    }

    /// <summary>The nearest directory above the executable that holds Cluster.sln.</summary>
    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cluster.sln")))
            {
                return dir.FullName;
            }
        }
        return Directory.GetCurrentDirectory();
    }
}
