namespace Fjord.Metadata.Features;

/// <summary>Kafka's UpdateFeatures upgrade types (request v1+; v0's AllowDowngrade maps to <see cref="SafeDowngrade"/>).</summary>
public enum FeatureUpgradeType : sbyte
{
    Unknown = 0,
    Upgrade = 1,
    SafeDowngrade = 2,
    UnsafeDowngrade = 3,
}

/// <summary>One requested change: finalize <paramref name="Feature"/> at <paramref name="Level"/> (below 1: remove it). Immutable.</summary>
public sealed record FeatureUpdate(string Feature, short Level, FeatureUpgradeType UpgradeType);
