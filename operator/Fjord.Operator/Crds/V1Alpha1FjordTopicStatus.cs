using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Fjord.Operator.Crds;

/// <summary>What the operator observed of a <see cref="V1Alpha1FjordTopic"/>.</summary>
public sealed class V1Alpha1FjordTopicStatus
{
    [JsonPropertyName("conditions")]
    [Description("Ready and Reconciling, with reasons such as PartitionsCannotShrink, InvalidConfig, ClusterNotReady, TopicNameConflict.")]
    public List<V1Alpha1FjordCondition>? Conditions { get; set; }

    [JsonPropertyName("observedGeneration")]
    [Description("The metadata.generation this status describes.")]
    public long? ObservedGeneration { get; set; }

    [JsonPropertyName("topicName")]
    [Description("The Kafka topic name in use.")]
    public string? TopicName { get; set; }

    [JsonPropertyName("topicId")]
    [Description("Kafka topic id (UUID).")]
    public string? TopicId { get; set; }

    [JsonPropertyName("partitionCount")]
    [Description("Partitions the topic has.")]
    public int? PartitionCount { get; set; }

    [JsonPropertyName("replicationFactor")]
    [Description("Replicas per partition.")]
    public int? ReplicationFactor { get; set; }

    [JsonPropertyName("partitions")]
    [Description("Leader, replicas and ISR per partition (only the first 100 for large topics).")]
    public List<V1Alpha1FjordPartitionStatus>? Partitions { get; set; }

    [JsonPropertyName("reassigning")]
    [Description("A replication-factor change or rebalance is moving this topic's replicas.")]
    public bool? Reassigning { get; set; }
}
