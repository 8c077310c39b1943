using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Fjord.Operator.Crds;

/// <summary>One partition of a FjordTopic as the cluster describes it.</summary>
public sealed record V1Alpha1FjordPartitionStatus
{
    [JsonPropertyName("partition")]
    [Description("Partition index.")]
    public int Partition { get; init; }

    [JsonPropertyName("leader")]
    [Description("Leader's node id; -1: offline.")]
    public int Leader { get; init; }

    [JsonPropertyName("replicas")]
    [Description("Replica node ids, preferred leader first.")]
    public List<int>? Replicas { get; init; }

    [JsonPropertyName("isr")]
    [Description("In-sync replica node ids.")]
    public List<int>? Isr { get; init; }
}
