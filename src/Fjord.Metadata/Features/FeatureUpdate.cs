namespace Fjord.Metadata.Features;

/// <summary>One requested change: finalize <paramref name="Feature"/> at <paramref name="Level"/> (below 1: remove it). Immutable.</summary>
public sealed record FeatureUpdate(string Feature, short Level, FeatureUpgradeType UpgradeType);
