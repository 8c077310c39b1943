namespace Fjord.Metadata.Features;

/// <summary>Kafka's UpdateFeatures upgrade types (request v1+; v0's AllowDowngrade maps to <see cref="SafeDowngrade"/>).</summary>
public enum FeatureUpgradeType : sbyte
{
    Unknown = 0,
    Upgrade = 1,
    SafeDowngrade = 2,
    UnsafeDowngrade = 3,
}
