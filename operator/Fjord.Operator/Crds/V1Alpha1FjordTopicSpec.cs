using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Fjord.Operator.Crds;

/// <summary>What the user asks of a <see cref="V1Alpha1FjordTopic"/>.</summary>
public sealed class V1Alpha1FjordTopicSpec
{
    public const string DeletionPolicyDelete = "Delete";
    public const string DeletionPolicyRetain = "Retain";

    [JsonPropertyName("clusterRef")]
    [Description("The FjordCluster (same namespace) holding the topic.")]
    [Required]
    public V1Alpha1FjordClusterRef ClusterRef { get; set; } = new();

    [JsonPropertyName("topicName")]
    [Description("Kafka topic name; absent: metadata.name. Allows names that are not DNS-1123 (dots, underscores, capitals).")]
    [RegularExpression(@"^[a-zA-Z0-9._-]{1,249}$")]
    public string? TopicName { get; set; }

    [JsonPropertyName("partitions")]
    [Description("Partition count; it can grow, never shrink. Absent: the broker's num.partitions.")]
    [Range(1, 100000)]
    public int? Partitions { get; set; }

    [JsonPropertyName("replicas")]
    [Description("Replication factor; changes move data by a throttled reassignment. Absent: the broker's default.replication.factor.")]
    [Range(1, 32767)]
    public int? Replicas { get; set; }

    [JsonPropertyName("config")]
    [Description("Topic configs with Kafka's names (retention.ms, cleanup.policy, min.insync.replicas, ...).")]
    [PreserveUnknownFields]
    [JsonConverter(typeof(ScalarStringMapConverter))]
    public Dictionary<string, string>? Config { get; set; }

    [JsonPropertyName("deletionPolicy")]
    [Description("Delete: deleting the resource deletes the topic; Retain: the topic and its data stay.")]
    [DefaultValue(DeletionPolicyDelete)]
    [AllowedValues(DeletionPolicyDelete, DeletionPolicyRetain)]
    public string DeletionPolicy { get; set; } = DeletionPolicyDelete;
}
