using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Fjord.Operator.Crds;

/// <summary>The Kafka listeners: the internal one always exists; an external one adds a Service per broker.</summary>
public sealed class V1Alpha1FjordListeners
{
    [JsonPropertyName("external")]
    [Description("External access through one Service per broker: not supported yet, refused by validation.")]
    public V1Alpha1FjordExternalListener? External { get; set; }
}
