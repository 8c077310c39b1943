namespace Fjord.KubeLocal.Node.Tests.EndToEnd;

/// <summary>
/// <c>persistentVolumeClaimRetentionPolicy: Delete</c> through the real kubectl: a scale-down takes the condemned
/// pod's claim and its data, a scale back up starts that ordinal on an empty volume, deleting the set takes the rest.
/// </summary>
[Collection(KubeLocalCluster.Collection)]
public sealed class ClaimRetentionEndToEndTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly KubeLocalCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    private string Manifest => $$$$"""
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: keep
        spec:
          serviceName: keep
          replicas: 2
          persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Delete}
          selector:
            matchLabels: {app: keep}
          template:
            metadata:
              labels: {app: keep}
            spec:
              terminationGracePeriodSeconds: 5
              containers:
              - name: main
                image: busybox:1.36
                command: ["sh", "-c", "echo $POD_NAME >> $DATA/names; trap 'exit 0' TERM; touch $DATA/ready; while true; do sleep 0.2; done # {{{{_cluster.Marker}}}}"]
                env:
                - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                - {name: DATA, value: /data}
                readinessProbe:
                  exec: {command: ["sh", "-c", "test -f $DATA/ready"]}
                  periodSeconds: 1
                volumeMounts:
                - {name: data, mountPath: /data}
          volumeClaimTemplates:
          - metadata: {name: data}
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 1Gi}}
        """;

    private string Claims() => _cluster.Server.MustKubectl("get", "pvc", "-o", "jsonpath={.items[*].metadata.name}");

    private string VolumeDirectory(string claim) => Path.Combine(_cluster.Server.StateDirectory, "volumes", "default", claim);

    private void WaitForReadyPods(int count) =>
        Eventually.True(() => _cluster.Pods("app=keep") is var pods && pods.Count == count && pods.All(p => KubeLocalCluster.IsReady(p) && !KubeLocalCluster.IsTerminating(p)),
            Timeout, () => $"{count} ready pods\n--- node\n{_cluster.NodeOutput}");

    [Fact]
    public void RetentionPolicyDelete_ScaleDownAndDeleteTakeClaimsAndData()
    {
        var server = _cluster.Server;
        server.MustKubectlWithInput(Manifest, "apply", "-f", "-");
        WaitForReadyPods(2);
        Assert.Equal("data-keep-0 data-keep-1", Claims());
        Assert.Equal("StatefulSet/keep", server.MustKubectl("get", "pvc", "data-keep-0", "-o", "jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}"));
        Assert.Equal("keep-1\n", File.ReadAllText(Path.Combine(VolumeDirectory("data-keep-1"), "names")));

        server.MustKubectl("scale", "statefulset", "keep", "--replicas=1");
        Eventually.True(() => Claims() == "data-keep-0" && !Directory.Exists(VolumeDirectory("data-keep-1")), Timeout,
            () => $"claim data-keep-1 and its data collected after the scale-down; claims now: {Claims()}\n--- node\n{_cluster.NodeOutput}");
        Assert.Equal("keep-0\n", File.ReadAllText(Path.Combine(VolumeDirectory("data-keep-0"), "names")));

        server.MustKubectl("scale", "statefulset", "keep", "--replicas=2");
        WaitForReadyPods(2);
        Assert.Equal("keep-1\n", File.ReadAllText(Path.Combine(VolumeDirectory("data-keep-1"), "names")));

        server.MustKubectl("delete", "statefulset", "keep", "--wait", "--timeout=60s");
        Eventually.True(() => Claims() == "" && _cluster.Pods("app=keep").Count == 0 && !Directory.Exists(VolumeDirectory("data-keep-0")), Timeout,
            () => $"claims and data collected with the StatefulSet; claims now: {Claims()}\n--- node\n{_cluster.NodeOutput}");
    }
}
