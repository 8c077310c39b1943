using k8s;
using k8s.KubeConfigModels;

namespace Fjord.KubeLocal.Node.Network;

/// <summary>
/// The kubeconfig kube-local-node gives pods in network-namespace mode: the API server at the relay on the bridge
/// gateway (<see cref="ApiServerRelay"/>), plain HTTP, and a token KubernetesClient insists on (kube-local checks none).
/// </summary>
internal static class PodKubeconfig
{
    public static void Write(string path, Uri server)
    {
        var config = new K8SConfiguration
        {
            ApiVersion = "v1",
            Kind = "Config",
            Clusters = [new Cluster { Name = "kube-local", ClusterEndpoint = new ClusterEndpoint { Server = server.ToString().TrimEnd('/') } }],
            Contexts = [new Context { Name = "kube-local", ContextDetails = new ContextDetails { Cluster = "kube-local", User = "kube-local", Namespace = "default" } }],
            Users = [new User { Name = "kube-local", UserCredentials = new UserCredentials { Token = "kube-local-no-auth" } }],
            CurrentContext = "kube-local",
        };
        File.WriteAllText(path, KubernetesYaml.Serialize(config));
    }
}
