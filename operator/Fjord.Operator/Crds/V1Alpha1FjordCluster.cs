using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Fjord.Operator.Crds;

/// <summary>
/// A Kafka-compatible Fjord cluster (<c>fjord.dev/v1alpha1</c>, kind <c>FjordCluster</c>): the operator turns it into a
/// StatefulSet of brokers, its Services, ConfigMap and PodDisruptionBudget. A plain data object; not thread-safe.
/// </summary>
public sealed class V1Alpha1FjordCluster : IKubernetesObject<V1ObjectMeta>, ISpec<V1Alpha1FjordClusterSpec>, IStatus<V1Alpha1FjordClusterStatus?>
{
    public const string KindName = "FjordCluster";
    public const string PluralName = "fjordclusters";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = FjordGroup.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public V1Alpha1FjordClusterSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public V1Alpha1FjordClusterStatus? Status { get; set; }
}
