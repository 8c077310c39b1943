using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Fjord.Operator.Crds;

/// <summary>One status condition, shaped like metav1.Condition so kubectl wait and Argo CD understand it.</summary>
public sealed record V1Alpha1FjordCondition
{
    [JsonPropertyName("type")]
    [Description("Ready, Reconciling or Degraded.")]
    [Required]
    public string Type { get; init; } = "";

    [JsonPropertyName("status")]
    [Description("True, False or Unknown.")]
    [Required]
    [AllowedValues("True", "False", "Unknown")]
    public string Status { get; init; } = "Unknown";

    [JsonPropertyName("reason")]
    [Description("A CamelCase word a program can match on.")]
    public string? Reason { get; init; }

    [JsonPropertyName("message")]
    [Description("What a human should know.")]
    public string? Message { get; init; }

    [JsonPropertyName("observedGeneration")]
    [Description("metadata.generation the condition was computed from.")]
    public long? ObservedGeneration { get; init; }

    [JsonPropertyName("lastTransitionTime")]
    [Description("When status last changed (RFC 3339).")]
    public DateTimeOffset? LastTransitionTime { get; init; }
}
