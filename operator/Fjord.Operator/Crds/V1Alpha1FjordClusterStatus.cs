using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Fjord.Operator.Crds;

/// <summary>What the operator observed of a <see cref="V1Alpha1FjordCluster"/>; written only through the status subresource.</summary>
public sealed class V1Alpha1FjordClusterStatus
{
    [JsonPropertyName("conditions")]
    [Description("Ready, Reconciling and Degraded, with reasons.")]
    public List<V1Alpha1FjordCondition>? Conditions { get; set; }

    [JsonPropertyName("observedGeneration")]
    [Description("The metadata.generation this status describes.")]
    public long? ObservedGeneration { get; set; }

    [JsonPropertyName("replicas")]
    [Description("Broker pods that exist (the scale subresource's status replicas).")]
    public int? Replicas { get; set; }

    [JsonPropertyName("labelSelector")]
    [Description("Selector of the broker pods (the scale subresource's label selector).")]
    public string? LabelSelector { get; set; }

    [JsonPropertyName("readyBrokers")]
    [Description("Brokers whose pods are ready and which are unfenced in the cluster.")]
    public int? ReadyBrokers { get; set; }

    [JsonPropertyName("brokers")]
    [Description("Each broker by node id.")]
    public List<V1Alpha1FjordBrokerStatus>? Brokers { get; set; }

    [JsonPropertyName("controllerId")]
    [Description("Node id of the active controller; -1 while none is known.")]
    public int? ControllerId { get; set; }

    [JsonPropertyName("voters")]
    [Description("Node ids of the controller quorum voters, as the metadata log holds them.")]
    public List<int>? Voters { get; set; }

    [JsonPropertyName("bootstrapControllers")]
    [Description("How many controllers the cluster was created with: the brokers' bootstrap voter list, which stays fixed; later changes of spec.controllers move the voters one at a time (KIP-853) without restarting pods.")]
    public int? BootstrapControllers { get; set; }

    [JsonPropertyName("underReplicatedPartitions")]
    [Description("Partitions whose ISR is smaller than their replica set.")]
    public int? UnderReplicatedPartitions { get; set; }

    [JsonPropertyName("offlinePartitions")]
    [Description("Partitions without a leader.")]
    public int? OfflinePartitions { get; set; }

    [JsonPropertyName("listeners")]
    [Description("Bootstrap addresses by listener.")]
    public List<V1Alpha1FjordListenerStatus>? Listeners { get; set; }

    [JsonPropertyName("operations")]
    [Description("Running scale, rebalance and rolling operations, with progress.")]
    public List<V1Alpha1FjordOperation>? Operations { get; set; }
}
