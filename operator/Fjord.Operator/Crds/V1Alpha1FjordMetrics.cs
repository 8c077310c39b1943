using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Fjord.Operator.Crds;

/// <summary>Prometheus scraping of the brokers' <c>/metrics</c>.</summary>
public sealed class V1Alpha1FjordMetrics
{
    [JsonPropertyName("enabled")]
    [Description("Annotate the broker pods for scraping.")]
    [DefaultValue(true)]
    public bool Enabled { get; set; } = true;

    [JsonPropertyName("serviceMonitor")]
    [Description("Create a Prometheus Operator ServiceMonitor when its CRD exists in the cluster.")]
    [DefaultValue(true)]
    public bool ServiceMonitor { get; set; } = true;
}
