using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Fjord.Operator.Crds;

/// <summary>Pod-level overrides: extra metadata and scheduling.</summary>
public sealed class V1Alpha1FjordPodTemplate
{
    [JsonPropertyName("labels")]
    [Description("Extra labels on the broker pods.")]
    public Dictionary<string, string>? Labels { get; set; }

    [JsonPropertyName("annotations")]
    [Description("Extra annotations on the broker pods.")]
    public Dictionary<string, string>? Annotations { get; set; }

    [JsonPropertyName("nodeSelector")]
    [Description("Node selector of the broker pods.")]
    public Dictionary<string, string>? NodeSelector { get; set; }

    [JsonPropertyName("tolerations")]
    [Description("Tolerations of the broker pods (core/v1 Toleration).")]
    public List<V1Toleration>? Tolerations { get; set; }

    [JsonPropertyName("affinity")]
    [Description("Affinity of the broker pods (core/v1 Affinity).")]
    public V1Affinity? Affinity { get; set; }

    [JsonPropertyName("priorityClassName")]
    [Description("PriorityClass of the broker pods.")]
    public string? PriorityClassName { get; set; }

    [JsonPropertyName("terminationGracePeriodSeconds")]
    [Description("Time a broker gets for controlled shutdown before it is killed.")]
    [System.ComponentModel.DataAnnotations.Range(0, 86400)]
    public long? TerminationGracePeriodSeconds { get; set; }
}
