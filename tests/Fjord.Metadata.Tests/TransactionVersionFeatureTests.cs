using Fjord.Metadata.Features;
using Fjord.Protocol.Errors;

namespace Fjord.Metadata.Tests;

/// <summary>transaction.version (KIP-890): finalized at 2 on a new cluster, downgradable like any feature.</summary>
public class TransactionVersionFeatureTests
{
    [Fact]
    public void NewCluster_TransactionVersionIsFinalizedAt2_WithoutAnyRecord()
    {
        var ctx = new ControllerTestContext();

        Assert.Equal(2, SupportedFeatures.FinalizedLevel(ctx.Image.Features, SupportedFeatures.TransactionVersion));
        Assert.Equal(new SupportedFeatures.Range(0, 2), SupportedFeatures.All[SupportedFeatures.TransactionVersion]);
    }

    [Fact]
    public void UpdateFeatures_DowngradeTo0_NeedsDowngradeTypeAndStaysAt0()
    {
        var ctx = new ControllerTestContext();

        var upgrade = ctx.Run(ctx.Controller.UpdateFeatures([new FeatureUpdate(SupportedFeatures.TransactionVersion, 0, FeatureUpgradeType.Upgrade)], validateOnly: false));
        Assert.Equal(ErrorCode.InvalidUpdateVersion, upgrade.Error);

        var downgrade = ctx.Run(ctx.Controller.UpdateFeatures([new FeatureUpdate(SupportedFeatures.TransactionVersion, 0, FeatureUpgradeType.SafeDowngrade)], validateOnly: false));
        Assert.Equal(ErrorCode.None, downgrade.Error);
        // The level-0 record stays in the image: without it the new-cluster level 2 would come back.
        Assert.Equal(0, SupportedFeatures.FinalizedLevel(ctx.Image.Features, SupportedFeatures.TransactionVersion));

        var upAgain = ctx.Run(ctx.Controller.UpdateFeatures([new FeatureUpdate(SupportedFeatures.TransactionVersion, 2, FeatureUpgradeType.Upgrade)], validateOnly: false));
        Assert.Equal(ErrorCode.None, upAgain.Error);
        Assert.Equal(2, SupportedFeatures.FinalizedLevel(ctx.Image.Features, SupportedFeatures.TransactionVersion));
    }
}
