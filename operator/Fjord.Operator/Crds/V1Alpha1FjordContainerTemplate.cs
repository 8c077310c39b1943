using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Fjord.Operator.Crds;

/// <summary>Broker container overrides.</summary>
public sealed class V1Alpha1FjordContainerTemplate
{
    [JsonPropertyName("env")]
    [Description("Extra environment variables (core/v1 EnvVar); FJORD_-prefixed ones set broker settings.")]
    public List<V1EnvVar>? Env { get; set; }
}
