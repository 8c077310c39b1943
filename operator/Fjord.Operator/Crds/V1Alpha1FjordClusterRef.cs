using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Fjord.Operator.Crds;

/// <summary>Names a FjordCluster in the referring resource's namespace.</summary>
public sealed class V1Alpha1FjordClusterRef
{
    [JsonPropertyName("name")]
    [Description("Name of the FjordCluster.")]
    [Required]
    [MinLength(1)]
    public string Name { get; set; } = "";
}
