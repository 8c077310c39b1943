using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Fjord.Operator.Crds;

/// <summary>Where clients bootstrap from, per listener.</summary>
public sealed record V1Alpha1FjordListenerStatus
{
    [JsonPropertyName("name")]
    [Description("internal or external.")]
    public string Name { get; init; } = "";

    [JsonPropertyName("bootstrapServers")]
    [Description("host:port list a Kafka client's bootstrap.servers takes.")]
    public string? BootstrapServers { get; init; }
}
