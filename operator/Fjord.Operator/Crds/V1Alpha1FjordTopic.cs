using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Fjord.Operator.Crds;

/// <summary>
/// A topic as a manifest (<c>fjord.dev/v1alpha1</c>, kind <c>FjordTopic</c>) on a FjordCluster in the same namespace.
/// A plain data object; not thread-safe.
/// </summary>
public sealed class V1Alpha1FjordTopic : IKubernetesObject<V1ObjectMeta>, ISpec<V1Alpha1FjordTopicSpec>, IStatus<V1Alpha1FjordTopicStatus?>
{
    public const string KindName = "FjordTopic";
    public const string PluralName = "fjordtopics";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = FjordGroup.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public V1Alpha1FjordTopicSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public V1Alpha1FjordTopicStatus? Status { get; set; }
}
