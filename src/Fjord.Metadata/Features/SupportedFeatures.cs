using System.Collections.Frozen;

namespace Fjord.Metadata.Features;

/// <summary>
/// The feature levels this build of Fjord supports (Kafka's KIP-584 features): what ApiVersions lists as
/// SupportedFeatures and the range UpdateFeatures may finalize. <c>metadata.version</c> is Fjord's own metadata
/// format level (1 is the only one), not Kafka's numbering. <c>transaction.version</c> 0-2 (KIP-890: 2 is
/// transactions version 2) and <c>group.version</c> 0-1 (1 enables the KIP-848 consumer protocol, 0 refuses it), both
/// finalized on a new cluster at Kafka 4.0's levels (<see cref="NewClusterLevels"/>). Kafka's other features are
/// listed at level 0 only: no KIP-853 dynamic quorum in Kafka's sense, no eligible leader replicas. Every node runs the
/// same build, so the controller checks updates against this table instead of intersecting the brokers'
/// registrations. Thread-safe; a static table.
/// </summary>
public static class SupportedFeatures
{
    public const string MetadataVersion = "metadata.version";

    public const string TransactionVersion = "transaction.version";

    public const string GroupVersion = "group.version";

    /// <summary>A supported range of finalizable levels.</summary>
    public readonly record struct Range(short Min, short Max);

    public static FrozenDictionary<string, Range> All { get; } = new Dictionary<string, Range>(StringComparer.Ordinal)
    {
        [MetadataVersion] = new(1, 1),
        ["kraft.version"] = new(0, 0),
        [TransactionVersion] = new(0, 2),
        [GroupVersion] = new(0, 1),
        ["eligible.leader.replicas.version"] = new(0, 0),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// The levels a cluster has finalized before any UpdateFeatures (Kafka formats a new cluster at its release's
    /// defaults): what ApiVersions reports and UpdateFeatures starts from while the metadata log holds no record for
    /// them, as on a cluster formatted before these features existed.
    /// </summary>
    public static FrozenDictionary<string, short> NewClusterLevels { get; } = new Dictionary<string, short>(StringComparer.Ordinal)
    {
        [TransactionVersion] = 2,
        [GroupVersion] = 1,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The levels a new cluster's first active controller writes as records, as Kafka's bootstrap metadata does.</summary>
    public static IReadOnlyList<(string Name, short Level)> Bootstrap { get; } =
        [(MetadataVersion, 1), .. NewClusterLevels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => (l.Key, l.Value))];

    /// <summary>The finalized level of <paramref name="feature"/>: the metadata log's, else the new-cluster level, else 0.</summary>
    public static int FinalizedLevel(IReadOnlyDictionary<string, int> finalized, string feature) =>
        finalized.TryGetValue(feature, out var level) ? level : NewClusterLevels.GetValueOrDefault(feature);
}
