using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Fjord.Operator.Crds;

/// <summary>Overrides for the broker pods (Strimzi's <c>template</c>), merged over what the operator generates.</summary>
public sealed class V1Alpha1FjordTemplate
{
    [JsonPropertyName("pod")]
    [Description("Broker pod overrides.")]
    public V1Alpha1FjordPodTemplate? Pod { get; set; }

    [JsonPropertyName("brokerContainer")]
    [Description("Broker container overrides.")]
    public V1Alpha1FjordContainerTemplate? BrokerContainer { get; set; }
}
