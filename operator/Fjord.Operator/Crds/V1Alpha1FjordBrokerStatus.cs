using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Fjord.Operator.Crds;

/// <summary>One broker as the operator sees it: its pod and its state in the cluster's metadata.</summary>
public sealed record V1Alpha1FjordBrokerStatus
{
    public const string StateActive = "Active";
    public const string StateDraining = "Draining";
    public const string StateFenced = "Fenced";
    public const string StatePending = "Pending";

    [JsonPropertyName("id")]
    [Description("Node id (the pod ordinal).")]
    [Required]
    public int Id { get; init; }

    [JsonPropertyName("pod")]
    [Description("Name of the broker's pod.")]
    public string? Pod { get; init; }

    [JsonPropertyName("state")]
    [Description("Active, Draining (replicas moving away before scale-in), Fenced, or Pending (not registered yet).")]
    [AllowedValues(StateActive, StateDraining, StateFenced, StatePending)]
    public string? State { get; init; }

    [JsonPropertyName("leaders")]
    [Description("Partitions this broker leads.")]
    public int? Leaders { get; init; }

    [JsonPropertyName("replicas")]
    [Description("Partition replicas this broker holds.")]
    public int? Replicas { get; init; }
}
