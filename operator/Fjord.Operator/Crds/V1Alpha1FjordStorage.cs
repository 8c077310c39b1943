using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Fjord.Operator.Crds;

/// <summary>The PersistentVolumeClaim each broker gets from the StatefulSet's volumeClaimTemplates.</summary>
public sealed class V1Alpha1FjordStorage
{
    [JsonPropertyName("size")]
    [Description("Requested size of each broker's volume, a Kubernetes quantity.")]
    [DefaultValue("10Gi")]
    [RegularExpression(QuantityPattern)]
    public string Size { get; set; } = "10Gi";

    [JsonPropertyName("storageClassName")]
    [Description("StorageClass of the claims; absent: the cluster's default class.")]
    public string? StorageClassName { get; set; }

    [JsonPropertyName("deleteClaim")]
    [Description("Delete the claims (and the data) when the FjordCluster is deleted or scaled in.")]
    [DefaultValue(false)]
    public bool DeleteClaim { get; set; }

    /// <summary>A Kubernetes resource quantity: a number with an optional binary or decimal suffix.</summary>
    public const string QuantityPattern = @"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$";
}
