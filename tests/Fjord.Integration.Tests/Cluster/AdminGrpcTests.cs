using Fjord.Integration.Tests.Harness;
using Fjord.Rpc.Admin;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// The admin gRPC service (admin.proto) on 3 real processes, called the way the operator calls it, with a
/// Grpc.Net.Client channel to each node's rpc port: cluster description on every node, topic lifecycle
/// through a node that is not the controller (forwarded), config changes, drain and unregister forwarded to the
/// controller (NOT_CONTROLLER with the controller id only for a call that already arrived forwarded), Kafka error codes for bad input, and fenced/under-replicated counts after a kill -9.
/// </summary>
public sealed class AdminGrpcTests(ITestOutputHelper output)
{
    private const int NotController = 41;
    private const int UnknownTopicOrPartition = 3;
    private const int BrokerIdNotRegistered = 102;
    private const int ElectionNotNeeded = 84;
    private const int InvalidReplicaAssignment = 39;
    private const int InvalidConfig = 40;
    private const int InvalidRequest = 42;

    [Fact]
    public void AdminService_DescribesTheCluster_ManagesTopicsThroughAnyNode_AndSendsControllerOnlyCallsToTheController()
    {
        using var cluster = ClusterProcess.Start(3, "broker.session.timeout.ms=4000", "broker.heartbeat.interval.ms=500");
        using var channels = new AdminChannels(cluster);
        DescribeClusterResponse? described = null;
        Eventually.True(() => (described = channels[0].DescribeCluster(new DescribeClusterRequest())) is { ControllerId: >= 0, Brokers.Count: 3, FencedBrokers: 0 },
            TimeSpan.FromSeconds(30), () => $"3 unfenced brokers and a controller over gRPC; last {described}\n{cluster.Output}");
        var controllerId = described!.ControllerId;
        var other = cluster.Nodes.First(n => n.Id != controllerId).Id;
        output.WriteLine($"controller {controllerId}; non-controller {other}");
        foreach (var node in cluster.Nodes)
        {
            var view = channels[node.Id].DescribeCluster(new DescribeClusterRequest());
            Assert.Equal(described.ClusterId, view.ClusterId);
            Assert.Equal(controllerId, view.ControllerId);
            Assert.Equal([0, 1, 2], view.Brokers.Select(b => b.Id).Order());
            Assert.All(view.Brokers, b => Assert.Contains(b.Endpoints, e => e.Port == cluster.Nodes[b.Id].KafkaPort));
        }

        // Create through a non-controller: forwarded, and described once this node's image has it.
        var create = new CreateTopicRequest { Name = "ops", Partitions = 2, ReplicationFactor = 3 };
        create.Configs["retention.ms"] = "3600000";
        var created = channels[other].CreateTopic(create);
        Assert.True(created.Error.Code == 0, created.Error.ToString());
        Assert.Equal(2, created.Topic.Partitions.Count);
        Assert.All(created.Topic.Partitions, p => Assert.Equal(3, p.Replicas.Count));
        Assert.Equal("3600000", created.Topic.Configs["retention.ms"]);
        Assert.Equal(16, created.Topic.TopicId.Length);

        var duplicate = channels[other].CreateTopic(new CreateTopicRequest { Name = "ops", Partitions = 1, ReplicationFactor = 1 });
        Assert.Equal(36, duplicate.Error.Code); // TOPIC_ALREADY_EXISTS
        var assigned = new CreateTopicRequest { Name = "pinned", Partitions = -1, ReplicationFactor = -1 };
        assigned.Assignments.Add(new PartitionAssignment { Partition = 0, Replicas = { 2, 1 } });
        var pinned = channels[other].CreateTopic(assigned);
        Assert.True(pinned.Error.Code == 0, pinned.Error.ToString());
        Assert.Equal([2, 1], Assert.Single(pinned.Topic.Partitions).Replicas);

        var grown = channels[other].UpdateTopic(new UpdateTopicRequest { Name = "ops", Partitions = 4 });
        Assert.True(grown.Error.Code == 0, grown.Error.ToString());
        Assert.Equal(4, grown.Topic.Partitions.Count);

        // Config changes go through IncrementalAlterConfigs, forwarded to the controller; bad values are INVALID_CONFIG.
        var configChange = new UpdateTopicRequest { Name = "ops" };
        configChange.SetConfigs["retention.ms"] = "7200000";
        var changed = channels[other].UpdateTopic(configChange);
        Assert.True(changed.Error.Code == 0, changed.Error.ToString());
        Assert.Equal("7200000", changed.Topic.Configs["retention.ms"]);
        var badChange = new UpdateTopicRequest { Name = "ops" };
        badChange.SetConfigs["retention.ms"] = "soon";
        var bad = channels[other].UpdateTopic(badChange);
        Assert.Equal(InvalidConfig, bad.Error.Code);
        Assert.Contains("retention.ms", bad.Error.Message, StringComparison.Ordinal);

        Assert.Equal(UnknownTopicOrPartition, channels[other].UpdateTopic(new UpdateTopicRequest { Name = "nope" }).Error.Code);
        Assert.Equal(4, channels[other].UpdateTopic(new UpdateTopicRequest { Name = "ops" }).Topic.Partitions.Count);

        var topics = channels[other].DescribeTopics(new DescribeTopicsRequest { Names = { "ops", "nope" } });
        Assert.Equal("ops", Assert.Single(topics.Topics).Name);
        Assert.Equal(["nope"], topics.Unknown);

        // Elections and reassignments go through the Kafka APIs, forwarded to the controller.
        var election = channels[other].ElectLeaders(new ElectLeadersRequest { Type = ElectionType.Preferred, Partitions = { new TopicPartition { Topic = "pinned", Partition = 0 }, new TopicPartition { Topic = "nope", Partition = 0 } } });
        Assert.Equal(0, election.Error?.Code ?? 0);
        Assert.Equal(ElectionNotNeeded, election.Results.Single(r => r.Topic == "pinned").Error.Code);
        Assert.Equal(UnknownTopicOrPartition, election.Results.Single(r => r.Topic == "nope").Error.Code);

        var reassign = channels[other].ReassignPartitions(new ReassignPartitionsRequest
        {
            Reassignments =
            {
                new Reassignment { Topic = "nope", Partition = 0, TargetReplicas = { 0 } },
                new Reassignment { Topic = "pinned", Partition = 0, TargetReplicas = { 7 } },
                new Reassignment { Topic = "ops", Partition = 0, Cancel = true },
            },
        });
        Assert.Equal(UnknownTopicOrPartition, reassign.Results.Single(r => r.Topic == "nope").Error.Code);
        Assert.Equal(InvalidReplicaAssignment, reassign.Results.Single(r => r.Topic == "pinned").Error.Code);
        Assert.Equal(85, reassign.Results.Single(r => r.Topic == "ops").Error.Code); // NO_REASSIGNMENT_IN_PROGRESS
        var listed = channels[other].ListReassignments(new ListReassignmentsRequest());
        Assert.Equal(0, listed.Error?.Code ?? 0);
        Assert.Empty(listed.Reassignments);

        // Drain and unregister through a non-controller are forwarded to the controller's admin service; an unknown
        // broker is BROKER_ID_NOT_REGISTERED. A call that already arrived forwarded is not forwarded again.
        Assert.Equal(BrokerIdNotRegistered, channels[other].UnregisterBroker(new UnregisterBrokerRequest { BrokerId = 42 }).Error.Code);
        Assert.Equal(BrokerIdNotRegistered, channels[other].DrainBroker(new DrainBrokerRequest { BrokerId = 42 }).Error.Code);
        Assert.Equal(BrokerIdNotRegistered, channels[controllerId].DrainBroker(new DrainBrokerRequest { BrokerId = 42 }).Error.Code);
        var asForwarded = new Grpc.Core.Metadata { { "fjord-forwarded-from", controllerId.ToString(System.Globalization.CultureInfo.InvariantCulture) } };
        var notForwardedTwice = channels[other].DrainBroker(new DrainBrokerRequest { BrokerId = 42 }, asForwarded);
        Assert.Equal(NotController, notForwardedTwice.Error.Code);
        Assert.Equal(controllerId, notForwardedTwice.Error.ControllerId);

        var deleted = channels[other].DeleteTopic(new DeleteTopicRequest { Name = "pinned" });
        Assert.True(deleted.Error.Code == 0, deleted.Error.ToString());
        Assert.Equal(UnknownTopicOrPartition, channels[other].DeleteTopic(new DeleteTopicRequest { Name = "pinned" }).Error.Code);
        Eventually.True(() => channels[other].DescribeTopics(new DescribeTopicsRequest { Names = { "pinned" } }).Unknown.Count == 1,
            TimeSpan.FromSeconds(10), "pinned gone from the non-controller's image");

        // A killed follower is fenced, and the partitions it replicated are under-replicated.
        var victim = cluster.Nodes.First(n => n.Id != controllerId && n.Id != other);
        victim.Kill();
        DescribeClusterResponse? after = null;
        Eventually.True(() => (after = channels[other].DescribeCluster(new DescribeClusterRequest())) is { FencedBrokers: 1, UnderReplicatedPartitions: 4, OfflinePartitions: 0 },
            TimeSpan.FromSeconds(30), () => $"node {victim.Id} fenced and 4 partitions under-replicated; last {after}\n{cluster.Output}");
        Assert.True(after!.Brokers.Single(b => b.Id == victim.Id).Fenced);
        Assert.Equal(4, after.Partitions);
        Assert.Equal(4, after.Brokers.Single(b => b.Id == other).ReplicaCount);
        Assert.Equal(4, after.Brokers.Where(b => !b.Fenced).Sum(b => b.LeaderCount));
    }

    [Fact]
    public async Task AlterBrokerConfigs_ThroughANonController_SetsTheClusterDefaultThatTopicsInherit_AndRefusesStaticOrBadConfigs()
    {
        using var cluster = ClusterProcess.Start(3, "broker.session.timeout.ms=4000", "broker.heartbeat.interval.ms=500");
        using var channels = new AdminChannels(cluster);
        DescribeClusterResponse? described = null;
        Eventually.True(() => (described = channels[0].DescribeCluster(new DescribeClusterRequest())) is { ControllerId: >= 0, Brokers.Count: 3, FencedBrokers: 0 },
            TimeSpan.FromSeconds(30), () => $"3 unfenced brokers and a controller over gRPC; last {described}\n{cluster.Output}");
        var other = cluster.Nodes.First(n => n.Id != described!.ControllerId).Id;
        Assert.True(channels[other].CreateTopic(new CreateTopicRequest { Name = "inherits", Partitions = 1, ReplicationFactor = 3 }).Error.Code == 0);
        Assert.Empty(channels[other].DescribeBrokerConfigs(new DescribeBrokerConfigsRequest()).Configs);

        var set = new AlterBrokerConfigsRequest();
        set.SetConfigs["log.retention.ms"] = "123456";
        set.SetConfigs["follower.replication.throttled.rate"] = "1048576";
        // NOT_CONTROLLER is retriable (Kafka's too): a controller election can still be settling on a loaded machine.
        AlterBrokerConfigsResponse? altered = null;
        Eventually.True(() => (altered = channels[other].AlterBrokerConfigs(set)).Error.Code != NotController, TimeSpan.FromSeconds(30),
            () => $"AlterBrokerConfigs past NOT_CONTROLLER; last {altered}\n{cluster.Output}");
        Assert.True(altered!.Error.Code == 0, altered.Error.ToString());
        Assert.Equal("123456", altered.Configs["log.retention.ms"]);
        foreach (var node in cluster.Nodes)
        {
            Eventually.True(() => channels[node.Id].DescribeBrokerConfigs(new DescribeBrokerConfigsRequest()).Configs.GetValueOrDefault("log.retention.ms") == "123456",
                TimeSpan.FromSeconds(10), $"node {node.Id} shows the cluster-wide log.retention.ms");
        }

        // A topic without its own retention.ms inherits the dynamic cluster default, as Kafka's DescribeConfigs reports it.
        using (var admin = new Confluent.Kafka.AdminClientBuilder(new Confluent.Kafka.AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            var resource = new Confluent.Kafka.Admin.ConfigResource { Type = Confluent.Kafka.Admin.ResourceType.Topic, Name = "inherits" };
            var entry = (await admin.DescribeConfigsAsync([resource])).Single().Entries["retention.ms"];
            output.WriteLine($"topic retention.ms = {entry.Value} ({entry.Source})");
            Assert.Equal("123456", entry.Value);
            Assert.Equal(Confluent.Kafka.Admin.ConfigSource.DynamicDefaultBrokerConfig, entry.Source);
        }

        var delete = new AlterBrokerConfigsRequest { DeleteConfigs = { "follower.replication.throttled.rate" } };
        var deleted = channels[other].AlterBrokerConfigs(delete);
        Assert.True(deleted.Error.Code == 0, deleted.Error.ToString());
        Assert.Equal(["log.retention.ms"], deleted.Configs.Keys);

        var staticChange = new AlterBrokerConfigsRequest();
        staticChange.SetConfigs["num.partitions"] = "4";
        Assert.Equal(InvalidRequest, channels[other].AlterBrokerConfigs(staticChange).Error.Code);
        var badValue = new AlterBrokerConfigsRequest();
        badValue.SetConfigs["log.retention.ms"] = "soon";
        Assert.Equal(InvalidConfig, channels[other].AlterBrokerConfigs(badValue).Error.Code);
        Assert.Equal("123456", channels[other].DescribeBrokerConfigs(new DescribeBrokerConfigsRequest()).Configs["log.retention.ms"]);
    }
}
