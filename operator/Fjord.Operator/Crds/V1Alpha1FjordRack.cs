using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Fjord.Operator.Crds;

/// <summary>Strimzi's <c>rack</c>: so far it spreads the broker pods over the values of a node label; the brokers' <c>broker.rack</c> is not set from it yet.</summary>
public sealed class V1Alpha1FjordRack
{
    [JsonPropertyName("topologyKey")]
    [Description("Node label whose values the broker pods are spread over, e.g. topology.kubernetes.io/zone.")]
    [Required]
    [MinLength(1)]
    public string TopologyKey { get; set; } = "";
}
