using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Fjord.Operator.Crds;

/// <summary>External access: a NodePort or LoadBalancer Service per broker, advertised to clients.</summary>
public sealed class V1Alpha1FjordExternalListener
{
    [JsonPropertyName("type")]
    [Description("Service type of the per-broker Services.")]
    [Required]
    [AllowedValues("NodePort", "LoadBalancer")]
    public string Type { get; set; } = "NodePort";

    [JsonPropertyName("port")]
    [Description("Port the external Services listen on.")]
    [DefaultValue(9094)]
    [Range(1, 65535)]
    public int Port { get; set; } = 9094;

    [JsonPropertyName("advertisedHosts")]
    [Description("Host advertised for each broker, by node id; absent: the Service's address.")]
    public Dictionary<string, string>? AdvertisedHosts { get; set; }
}
