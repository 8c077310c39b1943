using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Fjord.Operator.Crds;

/// <summary>What the user asks of a <see cref="V1Alpha1FjordCluster"/>; field names follow Strimzi's where one exists.</summary>
public sealed class V1Alpha1FjordClusterSpec
{
    [JsonPropertyName("replicas")]
    [Description("Number of brokers (pods). Node ids are the pod ordinals 0..replicas-1.")]
    [DefaultValue(3)]
    [Range(1, 1000)]
    public int Replicas { get; set; } = 3;

    [JsonPropertyName("controllers")]
    [Description("How many brokers (the lowest ordinals) are controller quorum voters.")]
    [DefaultValue(3)]
    [AllowedValues(1, 3, 5)]
    public int Controllers { get; set; } = 3;

    [JsonPropertyName("version")]
    [Description("Fjord version to run; selects the default image tag.")]
    public string? Version { get; set; }

    [JsonPropertyName("image")]
    [Description("Broker container image; overrides the one chosen by version.")]
    public string? Image { get; set; }

    [JsonPropertyName("config")]
    [Description("Broker configs with Kafka's names (num.partitions, min.insync.replicas, log.retention.ms, ...). Dynamic ones are applied without a restart; static ones roll the brokers.")]
    [PreserveUnknownFields]
    [JsonConverter(typeof(ScalarStringMapConverter))]
    public Dictionary<string, string>? Config { get; set; }

    [JsonPropertyName("storage")]
    [Description("Persistent volume of each broker.")]
    public V1Alpha1FjordStorage Storage { get; set; } = new();

    [JsonPropertyName("resources")]
    [Description("CPU and memory requests and limits of the broker container (a core/v1 ResourceRequirements).")]
    public k8s.Models.V1ResourceRequirements? Resources { get; set; }

    [JsonPropertyName("rack")]
    [Description("Spreads the broker pods evenly over the values of a node label (a topology spread constraint). The brokers' broker.rack is not set from it yet.")]
    public V1Alpha1FjordRack? Rack { get; set; }

    [JsonPropertyName("listeners")]
    [Description("How clients reach the brokers.")]
    public V1Alpha1FjordListeners? Listeners { get; set; }

    [JsonPropertyName("metrics")]
    [Description("Prometheus metrics on the http port's /metrics.")]
    public V1Alpha1FjordMetrics? Metrics { get; set; }

    [JsonPropertyName("template")]
    [Description("Overrides for the broker pods and their container.")]
    public V1Alpha1FjordTemplate? Template { get; set; }

    [JsonPropertyName("rebalance")]
    [Description("Built-in partition balancing (no Cruise Control).")]
    public V1Alpha1FjordRebalance? Rebalance { get; set; }
}
