using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Fjord.Operator.Crds;

/// <summary>Built-in balancing: when the operator asks the controller for a balance plan and how fast it moves data.</summary>
public sealed class V1Alpha1FjordRebalance
{
    public const string ModeOff = "Off";
    public const string ModeOnScale = "OnScale";
    public const string ModeContinuous = "Continuous";

    [JsonPropertyName("mode")]
    [Description("Off: never; OnScale: after a scale-out; Continuous: also whenever imbalance passes the threshold.")]
    [DefaultValue(ModeOnScale)]
    [AllowedValues(ModeOff, ModeOnScale, ModeContinuous)]
    public string Mode { get; set; } = ModeOnScale;

    [JsonPropertyName("goals")]
    [Description("What to even out per broker, in priority order.")]
    [AllowedValues("RackAwareness", "ReplicaCount", "LeaderCount", "DiskUsage")]
    public List<string>? Goals { get; set; }

    [JsonPropertyName("throttleBytesPerSecond")]
    [Description("Replication throttle while partitions move (leader and follower rate); absent: unthrottled.")]
    [Range(1024, int.MaxValue)]
    public long? ThrottleBytesPerSecond { get; set; }

    [JsonPropertyName("imbalanceThresholdPercent")]
    [Description("Continuous mode: rebalance when a broker's load differs from the mean by more than this.")]
    [DefaultValue(10)]
    [Range(1, 100)]
    public int ImbalanceThresholdPercent { get; set; } = 10;
}
