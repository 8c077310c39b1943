using System.Net.Sockets;

namespace Fjord.KubeLocal.Node.Tests.EndToEnd;

/// <summary>
/// Pods of a <c>fjord-broker</c> image run the repo's built broker: two single-node brokers from one StatefulSet,
/// each listening on the same container port (9092) at its own pod IP, data in its claim's directory.
/// </summary>
[Collection(KubeLocalCluster.Collection)]
public sealed class BrokerPodEndToEndTests : IDisposable
{
    private readonly KubeLocalCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    private const string Manifest = """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: fjord
        spec:
          serviceName: fjord
          replicas: 2
          podManagementPolicy: Parallel
          selector:
            matchLabels: {app: fjord}
          template:
            metadata:
              labels: {app: fjord}
            spec:
              terminationGracePeriodSeconds: 20
              containers:
              - name: broker
                image: ghcr.io/example/fjord-broker:dev
                args: ["--node-id", "0", "--data-dir", "/var/lib/fjord", "--kafka-listen", "$(POD_IP):9092", "--rpc-listen", "$(POD_IP):9093", "--http-listen", "$(POD_IP):9644"]
                env:
                - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
                ports:
                - {name: kafka, containerPort: 9092}
                readinessProbe:
                  tcpSocket: {port: kafka}
                  periodSeconds: 1
                volumeMounts:
                - {name: data, mountPath: /var/lib/fjord}
          volumeClaimTemplates:
          - metadata: {name: data}
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 1Gi}}
        """;

    [Fact]
    public void BrokerImage_RunsTheBuiltBrokerOnItsPodIp()
    {
        var server = _cluster.Server;
        server.MustKubectlWithInput(Manifest, "apply", "-f", "-");

        Eventually.True(() => _cluster.Pods("app=fjord") is { Count: 2 } pods && pods.All(KubeLocalCluster.IsReady),
            TimeSpan.FromSeconds(120), () => $"two ready brokers:\n{server.Kubectl("logs", "fjord-0").StandardOutput}\n--- node\n{_cluster.NodeOutput}");

        var ips = _cluster.Pods("app=fjord").Select(p => p.GetProperty("status").GetProperty("podIP").GetString()!).ToList();
        Assert.Equal(2, ips.Distinct().Count());
        foreach (var ip in ips)
        {
            using var client = new TcpClient();
            client.Connect(ip, 9092);
        }
        Assert.NotEmpty(Directory.EnumerateFileSystemEntries(Path.Combine(server.StateDirectory, "volumes", "default", "data-fjord-1")));
        Assert.Contains(ips[0], server.MustKubectl("logs", KubeLocalCluster.Name(_cluster.Pods("app=fjord")[0])));

        server.MustKubectl("delete", "statefulset", "fjord", "--wait", "--timeout=60s");
        Eventually.True(() => _cluster.Pods("app=fjord").Count == 0, TimeSpan.FromSeconds(60), "broker pods stopped and deleted");
    }
}
