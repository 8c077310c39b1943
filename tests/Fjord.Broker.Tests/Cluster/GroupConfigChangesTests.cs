using Fjord.Broker.Admin;
using Fjord.Broker.Configuration;
using Fjord.Broker.Groups;
using Fjord.Metadata;
using Fjord.Protocol.Errors;

namespace Fjord.Broker.Tests.Cluster;

/// <summary>
/// Kafka 4.0's GROUP config resource (type 32) through the controller with the broker's validator, at Kafka's default
/// bounds: group.consumer.session.timeout.ms 45000..60000, group.consumer.heartbeat.interval.ms 5000..15000.
/// </summary>
public sealed class GroupConfigChangesTests
{
    private const sbyte Group = 32;
    private const sbyte Set = 0, Delete = 1, Append = 2;

    [Fact]
    public void Set_OnAGroupThatDoesNotExist_IsStoredAsAGroupConfigRecord()
    {
        var context = new ClusterConfigTestContext();

        var outcome = Assert.Single(context.Incremental(false, (Group, "my-group", [("consumer.session.timeout.ms", Set, "50000")])));

        Assert.Equal(ErrorCode.None, outcome.Error);
        Assert.Equal("50000", context.Image.GetConfig(ConfigResource.Group("my-group"), "consumer.session.timeout.ms"));
        var snapshot = context.Image.ToRecords().Select(r => r.Config).Where(c => c is not null && c.ResourceType == Metadata.Records.ConfigResourceType.ConfigResourceGroup);
        Assert.Contains(snapshot, c => c!.ResourceName == "my-group" && c.Name == "consumer.session.timeout.ms" && c.Value == "50000");

        context.Incremental(false, (Group, "my-group", [("consumer.session.timeout.ms", Delete, null)]));
        Assert.Null(context.Image.GetConfig(ConfigResource.Group("my-group"), "consumer.session.timeout.ms"));
    }

    [Theory]
    [InlineData("consumer.session.timeout.ms", "44999", "consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms")]
    [InlineData("consumer.session.timeout.ms", "60001", "consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms")]
    [InlineData("consumer.heartbeat.interval.ms", "4999", "consumer.heartbeat.interval.ms must be greater than or equal to group.consumer.min.heartbeat.interval.ms")]
    [InlineData("consumer.heartbeat.interval.ms", "15001", "consumer.heartbeat.interval.ms must be less than or equal to group.consumer.max.heartbeat.interval.ms")]
    [InlineData("consumer.heartbeat.interval.ms", "soon", "consumer.heartbeat.interval.ms must be an integer, got 'soon'")]
    [InlineData("consumer.session.timeout.ms", "0", "consumer.session.timeout.ms must be between 1 and 2147483647, got 0")]
    public void OutOfBoundsOrMalformed_IsInvalidConfig_WithKafkasMessage(string name, string value, string message)
    {
        var context = new ClusterConfigTestContext();

        var outcome = Assert.Single(context.Incremental(false, (Group, "g", [(name, Set, value)])));

        Assert.Equal(ErrorCode.InvalidConfig, outcome.Error);
        Assert.Equal(message, outcome.Message);
        Assert.False(context.Image.Configs.ContainsKey(ConfigResource.Group("g")));
    }

    [Fact]
    public void HeartbeatInterval_MustStayBelowTheSessionTimeout_WhicheverChanges()
    {
        // Bounds wide enough that the two can cross (Kafka's defaults keep every heartbeat below every session).
        var bounds = GroupCoordinatorConfigs.FromBrokerConfig(BrokerConfig.Create(new Dictionary<string, string>
        {
            ["group.consumer.min.heartbeat.interval.ms"] = "1000",
            ["group.consumer.max.heartbeat.interval.ms"] = "60000",
        }));
        var context = new ClusterConfigTestContext(new ClusterConfigValidator(bounds));
        Assert.Equal(ErrorCode.None, Assert.Single(context.Incremental(false, (Group, "g", [("consumer.session.timeout.ms", Set, "46000")]))).Error);

        var crossing = Assert.Single(context.Incremental(false, (Group, "g", [("consumer.heartbeat.interval.ms", Set, "46000")])));
        Assert.Equal(ErrorCode.InvalidConfig, crossing.Error);
        Assert.Equal("consumer.session.timeout.ms must be greater than consumer.heartbeat.interval.ms", crossing.Message);

        Assert.Equal(ErrorCode.None, Assert.Single(context.Incremental(false, (Group, "g", [("consumer.heartbeat.interval.ms", Set, "45999")]))).Error);
        // Deleting the session timeout would fall back to the broker's 45000, below the stored heartbeat interval.
        var fallback = Assert.Single(context.Incremental(false, (Group, "g", [("consumer.session.timeout.ms", Delete, null)])));
        Assert.Equal(ErrorCode.InvalidConfig, fallback.Error);
        Assert.Equal("46000", context.Image.GetConfig(ConfigResource.Group("g"), "consumer.session.timeout.ms"));
    }

    [Theory]
    [InlineData("share.session.timeout.ms")]
    [InlineData("session.timeout.ms")]
    [InlineData("consumer.rebalance.timeout.ms")]
    public void UnknownNames_AreInvalidConfig(string name)
    {
        var context = new ClusterConfigTestContext();

        var outcome = Assert.Single(context.Incremental(false, (Group, "g", [(name, Set, "50000")])));

        Assert.Equal(ErrorCode.InvalidConfig, outcome.Error);
        Assert.Equal($"Unknown group config name: {name}", outcome.Message);
    }

    [Fact]
    public void EmptyGroupName_AndAppend_AreRefused()
    {
        var context = new ClusterConfigTestContext();

        var outcomes = context.Incremental(false,
            (Group, "", [("consumer.session.timeout.ms", Set, "50000")]),
            (Group, "g", [("consumer.session.timeout.ms", Append, "50000")]));

        Assert.Equal(ErrorCode.InvalidRequest, outcomes[0].Error);
        Assert.Equal(ErrorCode.InvalidConfig, outcomes[1].Error);
    }

    [Fact]
    public void LegacyAlterConfigs_ReplacesTheGroupsWholeSet()
    {
        var context = new ClusterConfigTestContext();
        context.Incremental(false, (Group, "g", [("consumer.session.timeout.ms", Set, "50000")]));

        Assert.Equal(ErrorCode.None, Assert.Single(context.Legacy(Group, "g", ("consumer.heartbeat.interval.ms", "6000"))).Error);

        Assert.Null(context.Image.GetConfig(ConfigResource.Group("g"), "consumer.session.timeout.ms"));
        Assert.Equal("6000", context.Image.GetConfig(ConfigResource.Group("g"), "consumer.heartbeat.interval.ms"));
    }
}
