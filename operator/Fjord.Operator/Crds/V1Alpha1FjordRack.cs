using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Fjord.Operator.Crds;

/// <summary>Rack awareness (Strimzi's <c>rack</c>): spread replicas over the values of a node label.</summary>
public sealed class V1Alpha1FjordRack
{
    [JsonPropertyName("topologyKey")]
    [Description("Node label whose value is the broker's rack, e.g. topology.kubernetes.io/zone.")]
    [Required]
    [MinLength(1)]
    public string TopologyKey { get; set; } = "";
}
