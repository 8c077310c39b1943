using Fjord.Broker.Configuration;
using Fjord.Metadata;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Tests.Cluster;

public sealed class ClusterConfigResolverTests
{
    private const sbyte Topic = 2, Broker = 4, Set = 0;

    private static ConfigDefinition TopicConfig(string name) => TopicConfigDefinitions.TryGet(name, out var d) ? d : throw new ArgumentException(name);

    [Fact]
    public void ResolveTopic_WithEveryLayerSet_TakesTheTopicOverride_AndListsSynonymsInKafkasOrder()
    {
        var context = new ClusterConfigTestContext(("log.retention.ms", "1000"));
        context.CreateTopic("t", new Dictionary<string, string> { ["retention.ms"] = "5000" });
        Assert.All(context.Incremental(false,
            (Broker, "", [("log.retention.ms", Set, "3000")]),
            (Broker, "0", [("log.retention.ms", Set, "4000")])), o => Assert.Equal(Fjord.Protocol.Errors.ErrorCode.None, o.Error));

        var resolved = context.Resolver.ResolveTopic(context.Image, "t", TopicConfig("retention.ms"));

        Assert.Equal("5000", resolved.Value);
        Assert.Equal(ConfigSource.DynamicTopicConfig, resolved.Source);
        Assert.Equal(
            [("retention.ms", "5000", ConfigSource.DynamicTopicConfig), ("log.retention.ms", "4000", ConfigSource.DynamicBrokerConfig),
             ("log.retention.ms", "3000", ConfigSource.DynamicDefaultBrokerConfig), ("log.retention.ms", "1000", ConfigSource.StaticBrokerConfig),
             ("log.retention.ms", "604800000", ConfigSource.DefaultConfig)],
            resolved.Synonyms.Select(s => (s.Name, s.Value, s.Source)));
    }

    [Fact]
    public void ResolveTopic_WithoutOverrides_FallsBackLayerByLayer()
    {
        var context = new ClusterConfigTestContext(("log.segment.bytes", "2000000"));
        context.CreateTopic("t");
        var segmentBytes = TopicConfig("segment.bytes");

        Assert.Equal(("2000000", ConfigSource.StaticBrokerConfig), Pick(context.Resolver.ResolveTopic(context.Image, "t", segmentBytes)));
        context.Incremental(false, (Broker, "", [("log.segment.bytes", Set, "3000000")]));
        Assert.Equal(("3000000", ConfigSource.DynamicDefaultBrokerConfig), Pick(context.Resolver.ResolveTopic(context.Image, "t", segmentBytes)));
        context.Incremental(false, (Broker, "1", [("log.segment.bytes", Set, "4000000")]));
        Assert.Equal(("3000000", ConfigSource.DynamicDefaultBrokerConfig), Pick(context.Resolver.ResolveTopic(context.Image, "t", segmentBytes))); // another broker's
        Assert.Equal(("604800000", ConfigSource.DefaultConfig), Pick(context.Resolver.ResolveTopic(context.Image, "t", TopicConfig("retention.ms"))));
    }

    [Fact]
    public void EffectiveTopicProperties_CarryTheDynamicClusterDefault_ForTheLogs()
    {
        var context = new ClusterConfigTestContext();
        context.CreateTopic("t", new Dictionary<string, string> { ["cleanup.policy"] = "compact" });
        context.Incremental(false, (Broker, "", [("min.insync.replicas", Set, "2")]));

        var properties = context.Resolver.EffectiveTopicProperties(context.Image, "t");

        Assert.Equal("2", properties["min.insync.replicas"]);
        Assert.Equal("compact", properties["cleanup.policy"]);
        Assert.Equal(TopicConfigDefinitions.All.Count(d => d.Default is not null), properties.Count);
    }

    [Fact]
    public void ResolveBroker_ForThisNode_ShowsPerBrokerThenDefaultThenStatic()
    {
        var context = new ClusterConfigTestContext(("message.max.bytes", "2000"));
        BrokerConfigDefinitions.TryGet("message.max.bytes", out var definition);

        Assert.Equal(("2000", ConfigSource.StaticBrokerConfig), Pick(context.Resolver.ResolveBroker(context.Image, definition)));
        context.Incremental(false, (Broker, "0", [("message.max.bytes", Set, "3000")]));
        var resolved = context.Resolver.ResolveBroker(context.Image, definition);
        Assert.Equal(("3000", ConfigSource.DynamicBrokerConfig), Pick(resolved));
        Assert.Equal([ConfigSource.DynamicBrokerConfig, ConfigSource.StaticBrokerConfig, ConfigSource.DefaultConfig], resolved.Synonyms.Select(s => s.Source));
    }

    [Fact]
    public void AffectsThisNode_IsTrueForTheClusterDefaultAndThisNodesId_Only()
    {
        var resolver = new ClusterConfigTestContext().Resolver;
        Assert.True(resolver.AffectsThisNode(ConfigResource.ClusterDefault));
        Assert.True(resolver.AffectsThisNode(ConfigResource.Broker("0")));
        Assert.False(resolver.AffectsThisNode(ConfigResource.Broker("1")));
        Assert.False(resolver.AffectsThisNode(ConfigResource.Topic("0")));
        _ = Topic;
    }

    private static (string?, ConfigSource) Pick(ClusterConfigResolver.Resolved resolved) => (resolved.Value, resolved.Source);
}
