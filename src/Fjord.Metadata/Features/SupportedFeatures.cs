using System.Collections.Frozen;

namespace Fjord.Metadata.Features;

/// <summary>
/// The feature levels this build of Fjord supports (Kafka's KIP-584 features): what ApiVersions lists as
/// SupportedFeatures and the range UpdateFeatures may finalize. <c>metadata.version</c> is Fjord's own metadata
/// format level (1 is the only one), not Kafka's numbering. Kafka's other features are listed at level 0 only: Fjord
/// has no transactions, no KIP-853 dynamic quorum in Kafka's sense, no eligible leader replicas. <c>group.version</c> 1
/// (Kafka 4.0's level) enables the KIP-848 consumer protocol, 0 refuses it; new clusters finalize
/// <see cref="Bootstrap"/>. Every node runs the same build, so the controller checks updates against this table
/// instead of intersecting the brokers' registrations. Thread-safe; a static table.
/// </summary>
public static class SupportedFeatures
{
    public const string MetadataVersion = "metadata.version";

    public const string GroupVersion = "group.version";

    /// <summary>A supported range of finalizable levels.</summary>
    public readonly record struct Range(short Min, short Max);

    public static FrozenDictionary<string, Range> All { get; } = new Dictionary<string, Range>(StringComparer.Ordinal)
    {
        [MetadataVersion] = new(1, 1),
        ["kraft.version"] = new(0, 0),
        ["transaction.version"] = new(0, 0),
        [GroupVersion] = new(0, 1),
        ["eligible.leader.replicas.version"] = new(0, 0),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The levels a new cluster's first active controller finalizes, as Kafka's bootstrap metadata does.</summary>
    public static IReadOnlyList<(string Name, short Level)> Bootstrap { get; } = [(MetadataVersion, 1), (GroupVersion, 1)];
}
