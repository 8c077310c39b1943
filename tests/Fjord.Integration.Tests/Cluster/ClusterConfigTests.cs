using System.Buffers;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Harness;
using Fjord.Protocol.Messages;
using Fjord.Protocol.Records;
using Xunit.Abstractions;
using FjordError = Fjord.Protocol.Errors.ErrorCode;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// Topic and broker configs in a 3-node cluster of real processes (issue #6): changes sent to a node that is not
/// the controller are forwarded to it, committed as ConfigRecords, described identically by every node with
/// Kafka's config sources, and applied to every replica's log (min.insync.replicas enforced by the leader's produce path).
/// </summary>
public sealed class ClusterConfigTests(ITestOutputHelper output)
{
    private const sbyte TopicResource = RawAdminRequests.TopicResource, BrokerResource = RawAdminRequests.BrokerResource;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task IncrementalAlterConfigs_ThroughANonController_IsDescribedByEveryNode_AndBadInputGetsKafkaErrors()
    {
        using var cluster = ClusterProcess.Start(3);
        var controllerId = WaitForCluster(cluster);
        var other = cluster.Nodes.First(n => n.Id != controllerId);
        output.WriteLine($"controller {controllerId}; altering through node {other.Id}");
        const string topic = "configured";
        ClusterClient.CreateTopic(cluster.BootstrapServers, topic, 2, 3, Patience);

        // Confluent.Kafka, bootstrapped from the non-controller only.
        var resource = new ConfigResource { Type = ResourceType.Topic, Name = topic };
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = other.BootstrapServers }).Build())
        {
            await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
            {
                [resource] =
                [
                    new ConfigEntry { Name = "retention.ms", Value = "3600000", IncrementalOperation = AlterConfigOpType.Set },
                    new ConfigEntry { Name = "cleanup.policy", Value = "compact", IncrementalOperation = AlterConfigOpType.Append },
                ],
            }, new IncrementalAlterConfigsOptions { RequestTimeout = Patience });

            var described = (await admin.DescribeConfigsAsync([resource]))[0];
            Assert.Equal("3600000", described.Entries["retention.ms"].Value);
            Assert.Equal(ConfigSource.DynamicTopicConfig, described.Entries["retention.ms"].Source);
            Assert.Equal("delete,compact", described.Entries["cleanup.policy"].Value);
        }

        // Every node answers from its own image: the same value and source once the records reach it.
        var propagation = System.Diagnostics.Stopwatch.StartNew();
        foreach (var node in cluster.Nodes)
        {
            DescribeConfigsResponse.DescribeConfigsResourceResult? entry = null;
            Eventually.True(() => (entry = DescribeTopicConfig(node, topic, "retention.ms")) is { Value: "3600000" },
                Patience, () => $"node {node.Id} describes retention.ms=3600000; last {entry?.Value} ({entry?.ConfigSource})");
            Assert.Equal(1, entry!.ConfigSource); // DYNAMIC_TOPIC_CONFIG
            Assert.Equal(5, DescribeTopicConfig(node, topic, "segment.bytes")!.ConfigSource); // DEFAULT_CONFIG
        }
        output.WriteLine($"all 3 nodes described the change {propagation.ElapsedMilliseconds} ms after the alter returned");

        // A dynamic cluster default (BROKER resource "") reaches topics without their own override.
        var clusterDefault = AlterRaw(other, BrokerResource, "", "log.segment.bytes", "52428800");
        Assert.True(clusterDefault.ErrorCode == 0, clusterDefault.ErrorMessage);
        foreach (var node in cluster.Nodes)
        {
            DescribeConfigsResponse.DescribeConfigsResourceResult? entry = null;
            Eventually.True(() => (entry = DescribeTopicConfig(node, topic, "segment.bytes")) is { Value: "52428800", ConfigSource: 3 },
                Patience, () => $"node {node.Id} describes segment.bytes=52428800 from DYNAMIC_DEFAULT_BROKER_CONFIG; last {entry?.Value} ({entry?.ConfigSource})");
        }

        // Confluent.Kafka sends a BROKER resource to that broker: dynamic configs show their source, static ones are read-only.
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            var brokerConfigs = (await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Broker, Name = other.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }]))[0];
            Assert.Equal("52428800", brokerConfigs.Entries["log.segment.bytes"].Value);
            Assert.Equal(ConfigSource.DynamicDefaultBrokerConfig, brokerConfigs.Entries["log.segment.bytes"].Source);
            Assert.False(brokerConfigs.Entries["log.segment.bytes"].IsReadOnly);
            Assert.True(brokerConfigs.Entries["node.id"].IsReadOnly);
        }

        // The cluster default resource (Confluent.Kafka cannot name it: an empty name) lists only the dynamic defaults.
        using (var connection = new RawKafkaConnection(other.KafkaPort))
        {
            var request = new DescribeConfigsRequest();
            request.Resources.Add(new() { ResourceType = BrokerResource, ResourceName = "", ConfigurationKeys = null });
            var defaults = connection.Receive<DescribeConfigsResponse>(32, 4, connection.Send(request, 4)).Results.Single();
            var only = Assert.Single(defaults.Configs);
            Assert.Equal(("log.segment.bytes", "52428800", (sbyte)3), (only.Name, only.Value, only.ConfigSource));
        }

        // Refusals, each through the non-controller (forwarded) with Kafka's codes and a message.
        var invalid = AlterRaw(other, TopicResource, topic, "retention.ms", "forever");
        Assert.Equal(FjordError.InvalidConfig, (FjordError)invalid.ErrorCode);
        Assert.Contains("retention.ms", invalid.ErrorMessage, StringComparison.Ordinal);
        var unknownName = AlterRaw(other, TopicResource, topic, "retention.forever", "1");
        Assert.Equal(FjordError.InvalidConfig, (FjordError)unknownName.ErrorCode);
        Assert.Contains("retention.forever", unknownName.ErrorMessage, StringComparison.Ordinal);
        var unknownTopic = AlterRaw(other, TopicResource, "no-such-topic", "retention.ms", "1000");
        Assert.Equal(FjordError.UnknownTopicOrPartition, (FjordError)unknownTopic.ErrorCode);
        var staticConfig = AlterRaw(other, BrokerResource, "", "num.partitions", "6");
        Assert.Equal(FjordError.InvalidRequest, (FjordError)staticConfig.ErrorCode);
        Assert.Contains("Cannot update these configs dynamically", staticConfig.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(FjordError.UnknownTopicOrPartition, (FjordError)DescribeRaw(other, "no-such-topic", null).ErrorCode);

        // The refused changes left the committed value alone.
        Assert.Equal("3600000", DescribeTopicConfig(cluster.Nodes[controllerId], topic, "retention.ms")!.Value);
    }

    [Fact]
    public void KafkaPythonAlterConfigs_SetsMinInsyncReplicas_WhichTheLeaderEnforcesWhenAFollowerDies()
    {
        // A short lag time so the leader drops the killed follower from the ISR soon after the kill.
        using var cluster = ClusterProcess.Start(3, "replica.lag.time.max.ms=3000", "broker.session.timeout.ms=4000", "broker.heartbeat.interval.ms=500");
        var controllerId = WaitForCluster(cluster);
        const string topic = "guarded";
        ClusterClient.CreateTopic(cluster.BootstrapServers, topic, 1, 3, Patience);
        Dictionary<int, int>? leaders = null;
        Eventually.True(() => (leaders = ClusterClient.Leaders(cluster.BootstrapServers, topic)) is { Count: 1 } l && l[0] >= 0, Patience, "partition 0 has a leader");
        var leader = cluster.Nodes[leaders![0]];
        var entry = cluster.Nodes.First(n => n.Id != controllerId);

        // Legacy AlterConfigs (kafka-python speaks v0/v1) replaces the topic's whole override set.
        const string script = """
            import sys
            from kafka.admin import KafkaAdminClient, ConfigResource, ConfigResourceType
            admin = KafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=30000)
            response = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, sys.argv[2], configs={"min.insync.replicas": "3"})])
            admin.close()
            for error_code, error_message, resource_type, resource_name in response.resources:
                print(resource_name, error_code, error_message)
                if error_code != 0:
                    sys.exit(2)
            """;
        var result = ExternalCommand.Run("/usr/bin/python3", ["-c", script, entry.BootstrapServers, topic]);
        Assert.True(result.ExitCode == 0, $"{result}\n{cluster.Output}");
        foreach (var node in cluster.Nodes)
        {
            DescribeConfigsResponse.DescribeConfigsResourceResult? described = null;
            Eventually.True(() => (described = DescribeTopicConfig(node, topic, "min.insync.replicas")) is { Value: "3", ConfigSource: 1 },
                Patience, () => $"node {node.Id} describes min.insync.replicas=3; last {described?.Value} ({described?.ConfigSource})");
        }

        // All three replicas in sync: acks=all succeeds.
        var produced = FjordError.UnknownServerError;
        Eventually.True(() => (produced = ProduceAcksAll(leader, topic)) == FjordError.None, Patience,
            () => $"acks=all produce on leader {leader.Id} with 3 replicas in sync; last {produced}\n{cluster.Output}");

        // One follower dies: once the leader shrinks the ISR to 2, acks=all is refused before the append.
        var victim = cluster.Nodes.First(n => n.Id != leader.Id);
        victim.Kill();
        Eventually.True(() => (produced = ProduceAcksAll(leader, topic)) == FjordError.NotEnoughReplicas, TimeSpan.FromSeconds(60),
            () => $"acks=all produce on leader {leader.Id} refused with NOT_ENOUGH_REPLICAS after node {victim.Id} died; last {produced}\n{cluster.Output}");
    }

    [Fact]
    public async Task SegmentBytes_GivenAtCreationOrAlteredLater_RollsSegmentsOnEveryReplica()
    {
        using var cluster = ClusterProcess.Start(3);
        var controllerId = WaitForCluster(cluster);
        var other = cluster.Nodes.First(n => n.Id != controllerId);
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = other.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([
                new TopicSpecification { Name = "small-at-birth", NumPartitions = 1, ReplicationFactor = 3, Configs = new() { ["segment.bytes"] = "1024" } },
                new TopicSpecification { Name = "small-later", NumPartitions = 1, ReplicationFactor = 3 },
            ], new CreateTopicsOptions { RequestTimeout = Patience });
        }
        var altered = AlterRaw(other, TopicResource, "small-later", "segment.bytes", "1024");
        Assert.True(altered.ErrorCode == 0, altered.ErrorMessage);

        foreach (var topic in new[] { "small-at-birth", "small-later" })
        {
            // Every replica's log must run with segment.bytes=1024 before the records arrive, so wait until all describe it.
            foreach (var node in cluster.Nodes)
                Eventually.True(() => DescribeTopicConfig(node, topic, "segment.bytes") is { Value: "1024" }, Patience, $"node {node.Id} knows {topic}'s segment.bytes");
            Dictionary<int, int>? leaders = null;
            Eventually.True(() => (leaders = ClusterClient.Leaders(cluster.BootstrapServers, topic)) is { Count: 1 } l && l[0] >= 0, Patience, $"{topic} has a leader");
            var leader = cluster.Nodes[leaders![0]];
            var produced = FjordError.UnknownServerError;
            for (var i = 0; i < 40; i++)
            {
                Eventually.True(() => (produced = ProduceAcksAll(leader, topic)) == FjordError.None, Patience,
                    () => $"acks=all produce {i} to {topic} on leader {leader.Id}; last {produced}");
            }

            // ~70-byte batches in 1 KiB segments: every replica rolled several segments, followers included.
            foreach (var node in cluster.Nodes)
            {
                var directory = Path.Combine(node.DataDir, $"{topic}-0");
                Eventually.True(() => Directory.Exists(directory) && Directory.GetFiles(directory, "*.log").Length >= 2, Patience,
                    () => $"node {node.Id} (leader {leader.Id}) rolled {topic}-0 into several segments; has {(Directory.Exists(directory) ? Directory.GetFiles(directory, "*.log").Length : 0)}");
                output.WriteLine($"{topic}: node {node.Id} holds {Directory.GetFiles(directory, "*.log").Length} segments");
            }
        }
    }

    private static int WaitForCluster(ClusterProcess cluster)
    {
        (int? ControllerId, int[] Brokers)? described = null;
        Eventually.True(() => (described = ClusterClient.Describe(cluster.BootstrapServers)) is { ControllerId: >= 0, Brokers.Length: 3 },
            Patience, () => $"3 brokers registered and a controller\n{cluster.Output}");
        return described!.Value.ControllerId!.Value;
    }

    private static IncrementalAlterConfigsResponse.AlterConfigsResourceResponse AlterRaw(ClusterProcess.Node node, sbyte type, string name, string key, string value) =>
        RawAdminRequests.SetConfig(node.KafkaPort, type, name, key, value);

    private static DescribeConfigsResponse.DescribeConfigsResult DescribeRaw(ClusterProcess.Node node, string topic, string? key)
    {
        using var connection = new RawKafkaConnection(node.KafkaPort);
        var request = new DescribeConfigsRequest { IncludeSynonyms = true };
        request.Resources.Add(new() { ResourceType = TopicResource, ResourceName = topic, ConfigurationKeys = key is null ? null : [key] });
        return connection.Receive<DescribeConfigsResponse>(32, 4, connection.Send(request, 4)).Results.Single();
    }

    private static DescribeConfigsResponse.DescribeConfigsResourceResult? DescribeTopicConfig(ClusterProcess.Node node, string topic, string key)
    {
        var result = DescribeRaw(node, topic, key);
        return result.ErrorCode == 0 ? result.Configs.SingleOrDefault(c => c.Name == key) : null;
    }

    private static FjordError ProduceAcksAll(ClusterProcess.Node node, string topic)
    {
        using var connection = new RawKafkaConnection(node.KafkaPort);
        using var builder = new RecordBatchBuilder(Fjord.Protocol.Records.CompressionType.None);
        builder.Append(1_000, null, [1]);
        var produce = new ProduceRequest { Acks = -1, TimeoutMs = 10_000 };
        produce.TopicData.Add(new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new() { Index = 0, Records = new ReadOnlySequence<byte>(builder.ToArray()) }] });
        return (FjordError)connection.Receive<ProduceResponse>(0, 9, connection.Send(produce, 9)).Responses[0].PartitionResponses[0].ErrorCode;
    }
}
