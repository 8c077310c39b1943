using Fjord.Metadata.Features;
using Fjord.Metadata.Records;
using Fjord.Protocol.Errors;

namespace Fjord.Metadata;

// UpdateFeatures (KIP-584): finalized feature levels are FeatureLevelRecords in the metadata log.
public sealed partial class QuorumController
{
    /// <summary>
    /// Finalizes feature levels, all or nothing, with Kafka's FeatureControlManager rules: the level must lie in
    /// <see cref="SupportedFeatures"/> (INVALID_UPDATE_VERSION), a lower level than the finalized one needs a downgrade
    /// upgrade type (INVALID_UPDATE_VERSION), <c>metadata.version</c> can be neither removed nor downgraded, an unknown
    /// upgrade type is INVALID_REQUEST. The response is the first refusal, or none.
    /// </summary>
    public ControllerResult<(ErrorCode Error, string? Message)> UpdateFeatures(IReadOnlyList<FeatureUpdate> updates, bool validateOnly)
    {
        EnsureActive();
        var builder = new ControllerRecordBuilder(Image);
        foreach (var update in updates)
        {
            var (error, message) = Check(builder.Image, update);
            if (error != ErrorCode.None)
                return new([], (error, message));
            if (!validateOnly)
                builder.Add(new MetadataRecord { FeatureLevel = new FeatureLevelRecord { Name = update.Feature, FeatureLevel = Math.Max((short)0, update.Level) } });
        }
        return builder.Result<(ErrorCode, string?)>((ErrorCode.None, null));
    }

    /// <summary>
    /// A cluster whose log never finalized <c>metadata.version</c> has never been bootstrapped: its first active
    /// controller finalizes <see cref="SupportedFeatures.Bootstrap"/> (Kafka writes them from its bootstrap metadata
    /// when the cluster is formatted), so a new cluster runs with <c>group.version</c> 1 like Kafka 4.0. Read-only otherwise.
    /// </summary>
    public ControllerResult<bool> BootstrapFeatures()
    {
        EnsureActive();
        var builder = new ControllerRecordBuilder(Image);
        if (!Image.Features.ContainsKey(SupportedFeatures.MetadataVersion))
        {
            foreach (var (name, level) in SupportedFeatures.Bootstrap)
                builder.Add(new MetadataRecord { FeatureLevel = new FeatureLevelRecord { Name = name, FeatureLevel = level } });
        }
        return builder.Result(true);
    }

    private static (ErrorCode, string?) Check(MetadataImage image, FeatureUpdate update)
    {
        if (update.UpgradeType is not (FeatureUpgradeType.Upgrade or FeatureUpgradeType.SafeDowngrade or FeatureUpgradeType.UnsafeDowngrade))
            return (ErrorCode.InvalidRequest, $"Unknown upgrade type {(sbyte)update.UpgradeType} for feature {update.Feature}.");
        if (!SupportedFeatures.All.TryGetValue(update.Feature, out var range))
            return (ErrorCode.InvalidUpdateVersion, $"Invalid update version {update.Level} for feature {update.Feature}. The controller does not support this feature.");
        var current = SupportedFeatures.FinalizedLevel(image.Features, update.Feature);
        if (update.Feature == SupportedFeatures.MetadataVersion)
        {
            if (update.Level < 1)
                return (ErrorCode.InvalidUpdateVersion, "Invalid update version for feature metadata.version: it cannot be removed.");
            if (update.Level < current)
                return (ErrorCode.InvalidUpdateVersion, $"Invalid update version {update.Level} for feature metadata.version: downgrades are not supported.");
        }
        if (update.Level > 0 && (update.Level < range.Min || update.Level > range.Max))
            return (ErrorCode.InvalidUpdateVersion, $"Invalid update version {update.Level} for feature {update.Feature}. Fjord only supports versions {range.Min}-{range.Max}.");
        if (update.Level < current && update.UpgradeType == FeatureUpgradeType.Upgrade)
            return (ErrorCode.InvalidUpdateVersion, $"Invalid update version {update.Level} for feature {update.Feature}. Can't downgrade the version of this feature without setting the upgrade type to either safe or unsafe downgrade.");
        return (ErrorCode.None, null);
    }
}
