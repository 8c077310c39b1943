using Fjord.Cli.Tests.Harness;

namespace Fjord.Cli.Tests;

[Collection(SharedBrokerCollection.Name)]
public sealed class FeaturesCommandTests(BrokerFixture fixture)
{
    private readonly string _bootstrap = fixture.BootstrapServers;

    [Fact]
    public void Features_ShowGroupVersionFinalizedAtOne_AndRefuseALevelFjordDoesNotSupport()
    {
        var described = FjordCli.Json(FjordCli.Run(_bootstrap, "features", "-o", "json"));
        var groupVersion = described.GetProperty("features").EnumerateArray().Single(f => f.GetProperty("feature").GetString() == "group.version");
        Assert.Equal(0, groupVersion.GetProperty("supported_min").GetInt32());
        Assert.Equal(1, groupVersion.GetProperty("supported_max").GetInt32());
        Assert.Equal(1, groupVersion.GetProperty("finalized").GetInt32());
        Assert.True(described.GetProperty("epoch").GetInt64() > 0);
        Assert.Contains("group.version", FjordCli.Ok(FjordCli.Run(_bootstrap, "features", "describe")).StandardOutput);

        // The shared broker keeps group.version 1 (other tests use the consumer protocol): validate only.
        Assert.Contains("can be finalized at level 1", FjordCli.Ok(FjordCli.Run(_bootstrap, "features", "upgrade", "--feature", "group.version=1", "--dry-run")).StandardOutput);
        var refused = FjordCli.Run(_bootstrap, "features", "upgrade", "--feature", "group.version=2");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("INVALID_UPDATE_VERSION", refused.StandardError);
        Assert.Equal(2, FjordCli.Run(_bootstrap, "features", "upgrade", "--feature", "group.version").ExitCode);
    }
}
