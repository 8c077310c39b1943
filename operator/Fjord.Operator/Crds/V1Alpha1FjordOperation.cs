using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Fjord.Operator.Crds;

/// <summary>
/// A multi-step operation in progress. It lives in status (not operator memory) so a restarted operator resumes it.
/// </summary>
public sealed record V1Alpha1FjordOperation
{
    public const string TypeScaleOut = "ScaleOut";
    public const string TypeScaleIn = "ScaleIn";
    public const string TypeRebalance = "Rebalance";
    public const string TypeRollingUpdate = "RollingUpdate";
    public const string TypeVoterChange = "VoterChange";

    [JsonPropertyName("type")]
    [Description("What runs.")]
    [Required]
    [AllowedValues(TypeScaleOut, TypeScaleIn, TypeRebalance, TypeRollingUpdate, TypeVoterChange)]
    public string Type { get; init; } = "";

    [JsonPropertyName("phase")]
    [Description("The step the operation is at, e.g. Draining, WaitingForHealth, Restarting.")]
    public string? Phase { get; init; }

    [JsonPropertyName("brokers")]
    [Description("Node ids the operation acts on.")]
    public List<int>? Brokers { get; init; }

    [JsonPropertyName("done")]
    [Description("Units (partitions moved, pods rolled) completed.")]
    public int? Done { get; init; }

    [JsonPropertyName("total")]
    [Description("Units the operation has in all.")]
    public int? Total { get; init; }

    [JsonPropertyName("startedAt")]
    [Description("When the operation started (RFC 3339).")]
    public DateTimeOffset? StartedAt { get; init; }

    [JsonPropertyName("message")]
    [Description("What it is doing now.")]
    public string? Message { get; init; }
}
