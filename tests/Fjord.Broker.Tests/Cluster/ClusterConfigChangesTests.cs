using Fjord.Metadata;
using Fjord.Protocol.Errors;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Tests.Cluster;

public sealed class ClusterConfigChangesTests
{
    private const sbyte Topic = 2, Broker = 4, Other = 8;
    private const sbyte Set = 0, Delete = 1, Append = 2, Subtract = 3;

    [Fact]
    public void Incremental_Set_CommitsTheOverride()
    {
        var context = new ClusterConfigTestContext();
        context.CreateTopic("t");

        var outcome = Assert.Single(context.Incremental(false, (Topic, "t", [("retention.ms", Set, "60000")])));

        Assert.Equal(ErrorCode.None, outcome.Error);
        Assert.Equal("60000", context.Image.GetConfig(ConfigResource.Topic("t"), "retention.ms"));
    }

    [Fact]
    public void Incremental_AppendAndSubtract_WorkOnTheEffectiveListValue()
    {
        var context = new ClusterConfigTestContext();
        context.CreateTopic("t");

        context.Incremental(false, (Topic, "t", [("cleanup.policy", Append, "compact")]));
        Assert.Equal("delete,compact", context.Image.GetConfig(ConfigResource.Topic("t"), "cleanup.policy"));
        context.Incremental(false, (Topic, "t", [("cleanup.policy", Subtract, "delete")]));
        Assert.Equal("compact", context.Image.GetConfig(ConfigResource.Topic("t"), "cleanup.policy"));
        context.Incremental(false, (Topic, "t", [("cleanup.policy", Subtract, "compact")]));
        Assert.Null(context.Image.GetConfig(ConfigResource.Topic("t"), "cleanup.policy")); // emptied: back to the default
    }

    [Fact]
    public void Incremental_Refusals_GetKafkasErrorCodes_AndLeaveOtherResourcesAlone()
    {
        var context = new ClusterConfigTestContext();
        context.CreateTopic("t");

        var outcomes = context.Incremental(false,
            (Topic, "missing", [("retention.ms", Set, "1")]),
            (Topic, "t", [("retention.forever", Set, "1")]),
            (Topic, "t", [("retention.ms", Set, "soon")]),
            (Topic, "t", [("retention.ms", Append, "1")]),
            (Topic, "t", [("retention.ms", Set, "1"), ("retention.ms", Delete, null)]),
            (Broker, "", [("num.partitions", Set, "3"), ("node.id", Set, "3")]),
            (Broker, "", [("log.flush.everything", Set, "1")]),
            (Broker, "x", [("log.retention.ms", Set, "1")]),
            (Other, "t", [("retention.ms", Set, "1")]),
            (Topic, "t", [("segment.bytes", Set, "2000000")]));

        Assert.Equal(
            [ErrorCode.UnknownTopicOrPartition, ErrorCode.InvalidConfig, ErrorCode.InvalidConfig, ErrorCode.InvalidConfig, ErrorCode.InvalidRequest,
             ErrorCode.InvalidRequest, ErrorCode.InvalidConfig, ErrorCode.InvalidRequest, ErrorCode.InvalidRequest, ErrorCode.None],
            outcomes.Select(o => o.Error));
        Assert.All(outcomes.Take(9), o => Assert.False(string.IsNullOrEmpty(o.Message)));
        Assert.Contains("Cannot update these configs dynamically: [num.partitions, node.id]", outcomes[5].Message, StringComparison.Ordinal);
        Assert.Contains("retention.ms", outcomes[2].Message, StringComparison.Ordinal);
        Assert.Null(context.Image.GetConfig(ConfigResource.Topic("t"), "retention.ms"));
        Assert.Equal("2000000", context.Image.GetConfig(ConfigResource.Topic("t"), "segment.bytes"));
    }

    [Fact]
    public void Incremental_DynamicBrokerConfig_IsAcceptedForTheDefaultAndOneBroker()
    {
        var context = new ClusterConfigTestContext();

        var outcomes = context.Incremental(false,
            (Broker, "", [("log.retention.ms", Set, "1000")]),
            (Broker, "0", [("min.insync.replicas", Set, "2")]),
            (Broker, "", [("min.insync.replicas", Set, "0")]));

        Assert.Equal([ErrorCode.None, ErrorCode.None, ErrorCode.InvalidConfig], outcomes.Select(o => o.Error));
        Assert.Equal("1000", context.Image.GetConfig(ConfigResource.ClusterDefault, "log.retention.ms"));
        Assert.Equal("2", context.Image.GetConfig(ConfigResource.Broker("0"), "min.insync.replicas"));
    }

    [Fact]
    public void Incremental_ValidateOnly_WritesNothing()
    {
        var context = new ClusterConfigTestContext();
        context.CreateTopic("t");

        var result = ClusterConfigChanges.Run(context.Controller,
            [ClusterConfigChanges.Incremental(context.Image, context.Resolver, Topic, "t", [("retention.ms", Set, "60000")])], validateOnly: true);

        Assert.Equal(ErrorCode.None, Assert.Single(result.Response).Error);
        Assert.Empty(result.Records);
    }

    [Fact]
    public void Legacy_ReplacesTheWholeOverrideSet()
    {
        var context = new ClusterConfigTestContext();
        context.CreateTopic("t", new Dictionary<string, string> { ["retention.ms"] = "60000", ["cleanup.policy"] = "compact" });

        var outcome = Assert.Single(context.Legacy(Topic, "t", ("min.insync.replicas", "2")));

        Assert.Equal(ErrorCode.None, outcome.Error);
        Assert.True(context.Image.Configs.TryGetValue(ConfigResource.Topic("t"), out var configs));
        Assert.Equal([("min.insync.replicas", "2")], configs.Select(c => (c.Key, c.Value)));
    }

    [Fact]
    public void CreateTopics_OnTheController_RefusesABadConfigValue()
    {
        var context = new ClusterConfigTestContext();

        var created = context.Run(context.Controller.CreateTopics([new CreatableTopic("t", 1, 1, Configs: new Dictionary<string, string> { ["segment.bytes"] = "huge" })]));

        Assert.Equal(ErrorCode.InvalidConfig, Assert.Single(created).Error);
        Assert.Null(context.Image.GetTopic("t"));
    }
}
