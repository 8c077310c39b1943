using Fjord.KubeLocal.Node.Tests.Dns;

namespace Fjord.KubeLocal.Node.Tests.EndToEnd;

/// <summary>
/// Pods find each other by the names Kubernetes' cluster DNS gives them, through the system resolver (getent), with
/// the real kubectl against fresh kube-local processes: a StatefulSet pod looks up a peer that does not exist yet
/// and sees it once it starts (the file behind its /etc/hosts is rewritten in place), and a Service's short name.
/// </summary>
[Collection(KubeLocalCluster.Collection)]
public sealed class PodDnsEndToEndTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly KubeLocalCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    private string Manifest => $$$"""
        apiVersion: v1
        kind: Service
        metadata:
          name: peers
        spec:
          clusterIP: None
          publishNotReadyAddresses: true
          selector: {app: peers}
          ports: [{name: any, port: 7000}]
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: peers
        spec:
          serviceName: peers
          replicas: 2
          selector:
            matchLabels: {app: peers}
          template:
            metadata:
              labels: {app: peers}
            spec:
              terminationGracePeriodSeconds: 2
              containers:
              - name: main
                image: busybox:1.36
                command: ["sh", "-c", "until getent hosts peers-1.peers.default.svc.cluster.local; do sleep 0.2; done; getent hosts peers-1.peers; getent hosts peers | wc -l | sed 's/^/peers=/'; trap 'exit 0' TERM; while true; do sleep 0.2; done # {{{_cluster.Marker}}}"]
        """;

    [PodDnsFact]
    public void StatefulSetPods_ResolveEachOthersDnsNames_AsPeersAppear()
    {
        var server = _cluster.Server;
        server.MustKubectlWithInput(Manifest, "apply", "-f", "-");

        string log = "";
        Eventually.True(() =>
        {
            log = server.Kubectl("logs", "peers-0").StandardOutput;
            return log.Contains("peers=2", StringComparison.Ordinal);
        }, Timeout, () => $"peers-0 never resolved peers-1; its log:\n{log}\n--- node\n{_cluster.NodeOutput}");

        var peer1Ip = server.MustKubectl("get", "pod", "peers-1", "-o", "jsonpath={.status.podIP}").Trim();
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var ip = peer1Ip.Replace(".", @"\.", StringComparison.Ordinal);
        Assert.Matches($@"^{ip}\s+peers-1\.peers\.default\.svc\.cluster\.local(\s|$)", lines[0]);
        Assert.Matches($@"^{ip}\s.*\speers-1\.peers(\s|$)", lines[1]);
        Assert.Equal("peers=2", lines[2]);
        Console.WriteLine($"peers-0 resolved peers-1 at {peer1Ip}: {string.Join(" | ", lines)}");
    }
}
