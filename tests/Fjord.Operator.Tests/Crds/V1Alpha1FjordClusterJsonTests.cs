using Fjord.Operator.Crds;
using k8s;

namespace Fjord.Operator.Tests.Crds;

public class V1Alpha1FjordClusterJsonTests
{
    private const string Manifest = """
        {"apiVersion":"fjord.dev/v1alpha1","kind":"FjordCluster","metadata":{"name":"orders","namespace":"kafka","generation":2},
         "spec":{"replicas":5,"controllers":3,"config":{"num.partitions":6,"auto.create.topics.enable":false,"compression.type":"zstd","min.cleanable.dirty.ratio":0.25},
                 "storage":{"size":"20Gi","deleteClaim":true},"rebalance":{"mode":"Continuous","throttleBytesPerSecond":10485760}},
         "status":{"observedGeneration":1,"conditions":[{"type":"Ready","status":"True","reason":"AllBrokersReady"}]}}
        """;

    [Fact]
    public void Deserialize_ConfigScalarsOfAnyJsonType_BecomeKafkaStrings()
    {
        var cluster = KubernetesJson.Deserialize<V1Alpha1FjordCluster>(Manifest);

        Assert.Equal(new Dictionary<string, string>
        {
            ["num.partitions"] = "6",
            ["auto.create.topics.enable"] = "false",
            ["compression.type"] = "zstd",
            ["min.cleanable.dirty.ratio"] = "0.25",
        }, cluster.Spec.Config);
    }

    [Fact]
    public void Deserialize_ReadsSpecStatusAndDefaultsWhatIsAbsent()
    {
        var cluster = KubernetesJson.Deserialize<V1Alpha1FjordCluster>(Manifest);

        Assert.Equal((5, 3, "20Gi", true), (cluster.Spec.Replicas, cluster.Spec.Controllers, cluster.Spec.Storage.Size, cluster.Spec.Storage.DeleteClaim));
        Assert.Equal((V1Alpha1FjordRebalance.ModeContinuous, 10485760L, 10),
            (cluster.Spec.Rebalance!.Mode, cluster.Spec.Rebalance.ThrottleBytesPerSecond, cluster.Spec.Rebalance.ImbalanceThresholdPercent));
        Assert.Equal(("Ready", "True", 1L), (cluster.Status!.Conditions![0].Type, cluster.Status.Conditions[0].Status, cluster.Status.ObservedGeneration));
    }

    [Fact]
    public void Serialize_RoundTripsConfigAsStrings()
    {
        var cluster = KubernetesJson.Deserialize<V1Alpha1FjordCluster>(Manifest);

        var again = KubernetesJson.Deserialize<V1Alpha1FjordCluster>(KubernetesJson.Serialize(cluster));

        Assert.Equal(cluster.Spec.Config, again.Spec.Config);
        Assert.Contains("\"num.partitions\":\"6\"", KubernetesJson.Serialize(cluster));
    }

    [Fact]
    public void Deserialize_ConfigWithANestedObject_IsRejected()
    {
        var bad = Manifest.Replace("\"num.partitions\":6", "\"num.partitions\":{\"x\":1}", StringComparison.Ordinal);

        Assert.ThrowsAny<System.Text.Json.JsonException>(() => KubernetesJson.Deserialize<V1Alpha1FjordCluster>(bad));
    }
}
