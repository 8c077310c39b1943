using System.Collections.Concurrent;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests;

/// <summary>
/// KIP-848's online migration with real clients: Confluent.Kafka 2.16 consumers with <c>group.protocol=classic</c>
/// (eager range, librdkafka's default) and <c>group.protocol=consumer</c> in one group. A consumer-protocol member
/// joining a classic group converts it to a consumer group whose classic members keep using JoinGroup/SyncGroup;
/// when it leaves, the group is classic again.
/// </summary>
public sealed class ConsumerGroupMigrationTests(ITestOutputHelper output)
{
    private static readonly string[] s_settings =
    [
        "group.consumer.heartbeat.interval.ms=500",
        "group.consumer.session.timeout.ms=6000",
        "group.initial.rebalance.delay.ms=0",
    ];

    [Fact]
    public async Task ClassicMembers_AndAConsumerMember_ShareTheGroup_ThroughUpgradeAndDowngrade()
    {
        using var broker = BrokerProcess.Start(s_settings);
        var topic = TestTopics.Unique("migrate");
        await TestTopics.CreateAsync(broker, topic, 6);
        await TestTopics.ProduceAsync(broker, topic, 0, 600);
        var group = "g-" + topic;
        var consumed = new ConcurrentDictionary<string, int>();
        var classic = new List<GroupConsumer>();
        GroupConsumer? modern = null;
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        try
        {
            classic.Add(GroupConsumer.Start(broker, group, topic, "classic1", consumed, Classic));
            classic.Add(GroupConsumer.Start(broker, group, topic, "classic2", consumed, Classic));
            Eventually.True(() => consumed.Count == 600 && GroupConsumer.Balanced(classic, 6), TimeSpan.FromSeconds(90),
                () => $"two classic members consumed 600 records and own 3 partitions each, got {consumed.Count}: {GroupConsumer.Describe(classic)}");
            Assert.Equal(ConsumerGroupType.Classic, Describe(admin, group)?.GroupType);

            var started = DateTime.UtcNow;
            modern = GroupConsumer.Start(broker, group, topic, "consumer1", consumed);
            var all = classic.Append(modern).ToList();
            Eventually.True(() => GroupConsumer.Balanced(all, 6), TimeSpan.FromSeconds(90), () => $"the three members own 2 partitions each: {GroupConsumer.Describe(all)}");
            output.WriteLine($"upgrade: three members balanced {(DateTime.UtcNow - started).TotalSeconds:F1} s after the consumer-protocol member started");
            ConsumerGroupDescription? upgraded = null;
            Eventually.True(() => (upgraded = Describe(admin, group)) is { GroupType: ConsumerGroupType.Consumer, Members.Count: 3 }, TimeSpan.FromSeconds(30),
                () => $"the group is described as a consumer group with three members: {upgraded?.GroupType} {upgraded?.Members.Count}");

            await TestTopics.ProduceAsync(broker, topic, 600, 600);
            Eventually.True(() => consumed.Count == 1200, TimeSpan.FromSeconds(90), () => $"all 1200 records consumed by the mixed group, got {consumed.Count}: {GroupConsumer.Describe(all)}");

            started = DateTime.UtcNow;
            modern.Close();
            Eventually.True(() => GroupConsumer.Balanced(classic, 6), TimeSpan.FromSeconds(90), () => $"the two classic members own everything again: {GroupConsumer.Describe(classic)}");
            output.WriteLine($"downgrade: two classic members balanced {(DateTime.UtcNow - started).TotalSeconds:F1} s after the consumer-protocol member closed");
            ConsumerGroupDescription? downgraded = null;
            Eventually.True(() => (downgraded = Describe(admin, group)) is { GroupType: ConsumerGroupType.Classic, Members.Count: 2 }, TimeSpan.FromSeconds(30),
                () => $"the group is described as a classic group with two members: {downgraded?.GroupType} {downgraded?.Members.Count}");

            await TestTopics.ProduceAsync(broker, topic, 1200, 300);
            Eventually.True(() => consumed.Count == 1500, TimeSpan.FromSeconds(90), () => $"all 1500 records consumed after the downgrade, got {consumed.Count}: {GroupConsumer.Describe(classic)}");
        }
        finally
        {
            modern?.Close();
            foreach (var member in classic)
            {
                member.Close();
            }
        }

        var members = classic.Append(modern!).ToList();
        var overlaps = members.SelectMany(m => m.Overlaps).ToList();
        Assert.True(overlaps.Count == 0, "a partition was owned by two members at once: " + string.Join("; ", overlaps) + "\n" + string.Join("\n", GroupConsumer.Journal));
        output.WriteLine($"records consumed: {consumed.Count} distinct, {consumed.Values.Sum()} in all (redeliveries after rebalances: {consumed.Values.Sum() - consumed.Count})");
    }

    [Fact]
    public async Task KillDashNine_AConvertedGroupComesBackAsAConsumerGroupWithItsClassicMembers()
    {
        // Kafka's default session timeouts: librdkafka reconnects with a back-off of up to 10 s after the kill.
        using var broker = BrokerProcess.Start("group.consumer.heartbeat.interval.ms=500", "group.initial.rebalance.delay.ms=0");
        var topic = TestTopics.Unique("migrate-kill");
        await TestTopics.CreateAsync(broker, topic, 6);
        await TestTopics.ProduceAsync(broker, topic, 0, 300);
        var group = "g-" + topic;
        var consumed = new ConcurrentDictionary<string, int>();
        var members = new List<GroupConsumer>();
        try
        {
            members.Add(GroupConsumer.Start(broker, group, topic, "classic1", consumed, c => { Classic(c); c.SessionTimeoutMs = 45_000; }));
            members.Add(GroupConsumer.Start(broker, group, topic, "classic2", consumed, c => { Classic(c); c.SessionTimeoutMs = 45_000; }));
            Eventually.True(() => GroupConsumer.Balanced(members, 6), TimeSpan.FromSeconds(90), () => $"two classic members own 3 partitions each: {GroupConsumer.Describe(members)}");
            members.Add(GroupConsumer.Start(broker, group, topic, "consumer1", consumed));
            Eventually.True(() => consumed.Count == 300 && GroupConsumer.Balanced(members, 6), TimeSpan.FromSeconds(90),
                () => $"three members own 2 partitions each and consumed 300 records, got {consumed.Count}: {GroupConsumer.Describe(members)}");
            using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
            {
                ConsumerGroupDescription? before = null;
                Eventually.True(() => (before = Describe(admin, group)) is { GroupType: ConsumerGroupType.Consumer, Members.Count: 3 }, TimeSpan.FromSeconds(30), "the converted group is described with three members");
            }

            broker.Kill();
            broker.Restart();
            using var adminAfter = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
            ConsumerGroupDescription? after = null;
            Eventually.True(() => (after = Describe(adminAfter, group)) is { GroupType: ConsumerGroupType.Consumer, Members.Count: 3 }, TimeSpan.FromSeconds(60),
                () => $"after kill -9 the group is still a consumer group with three members: {after?.GroupType} {after?.Members.Count}");

            await TestTopics.ProduceAsync(broker, topic, 300, 300);
            Eventually.True(() => consumed.Count == 600 && GroupConsumer.Balanced(members, 6), TimeSpan.FromSeconds(120),
                () => $"the three members consumed all 600 records after the restart, got {consumed.Count}: {GroupConsumer.Describe(members)}");
        }
        finally
        {
            foreach (var member in members)
            {
                member.Close();
            }
        }

        var overlaps = members.SelectMany(m => m.Overlaps).ToList();
        Assert.True(overlaps.Count == 0, "a partition was owned by two members at once: " + string.Join("; ", overlaps));
        output.WriteLine($"records consumed: {consumed.Count} distinct, {consumed.Values.Sum()} in all (redeliveries: {consumed.Values.Sum() - consumed.Count})");
    }

    [Fact]
    public async Task KafkaPythonClassicMember_AndAConfluentConsumerMember_SplitTheTopic_AndThePythonMemberGetsItBack()
    {
        using var broker = BrokerProcess.Start(s_settings);
        var topic = TestTopics.Unique("migrate-py");
        await TestTopics.CreateAsync(broker, topic, 4);
        var group = "g-" + topic;
        var consumed = new ConcurrentDictionary<string, int>();
        using var python = BackgroundCommand.Python("kafka_python_group.py", "member", broker.BootstrapServers, topic, group, "120");
        GroupConsumer? modern = null;
        try
        {
            Eventually.True(() => PythonAssignment(python)?.Length == 4, TimeSpan.FromSeconds(60), () => "kafka-python owns all 4 partitions: " + string.Join(";", python.Lines.TakeLast(3)));

            modern = GroupConsumer.Start(broker, group, topic, "consumer1", consumed);
            Eventually.True(() => PythonAssignment(python) is { Length: 2 } classic && modern.Owned.Count == 2 && classic.Concat(modern.Owned).Distinct().Count() == 4,
                TimeSpan.FromSeconds(60), () => $"the classic and the consumer member own 2 partitions each: python {string.Join(";", python.Lines.TakeLast(3))}, confluent [{string.Join(",", modern.Owned.Order())}]");

            modern.Close();
            Eventually.True(() => PythonAssignment(python)?.Length == 4, TimeSpan.FromSeconds(60), () => "kafka-python owns all 4 partitions again: " + string.Join(";", python.Lines.TakeLast(3)));
        }
        finally
        {
            modern?.Close();
            BrokerProcess.Signal(python.ProcessId, "INT");
        }

        Assert.Empty(modern!.Overlaps);
    }

    /// <summary>The partitions kafka-python last said it owns, or null before its first assignment.</summary>
    private static int[]? PythonAssignment(BackgroundCommand member)
    {
        var line = member.LastLine(l => l.StartsWith("{\"assignment\"", StringComparison.Ordinal));
        if (line is null)
        {
            return null;
        }

        using var json = System.Text.Json.JsonDocument.Parse(line);
        return [.. json.RootElement.GetProperty("assignment").EnumerateArray().Select(e => e.GetInt32())];
    }

    [Fact]
    public void GroupVersion_IsFinalizedAtOneOnANewCluster_AndZeroRefusesTheConsumerProtocol()
    {
        using var broker = BrokerProcess.Start(s_settings);
        using var connection = new RawKafkaConnection(broker.KafkaPort);
        Eventually.True(() => FinalizedGroupVersion(connection) == 1, TimeSpan.FromSeconds(30), "a new cluster finalizes group.version 1");
        var versions = ApiVersions(connection);
        var supported = Assert.Single(versions.SupportedFeatures, f => f.Name == "group.version");
        Assert.Equal((0, 1), (supported.MinVersion, supported.MaxVersion));
        // The first FindCoordinator creates __consumer_offsets; its partitions then load.
        connection.Receive<Fjord.Protocol.Messages.FindCoordinatorResponse>(10, 3, connection.Send(new Fjord.Protocol.Messages.FindCoordinatorRequest { Key = "gv-group" }, 3));
        Eventually.True(() => Heartbeat(connection, "gv-group") == 0, TimeSpan.FromSeconds(30), "a consumer-protocol member joins while group.version is 1");

        // kafka-features downgrade --feature group.version=0 (a safe downgrade).
        Assert.Equal(0, UpdateGroupVersion(connection, 0, upgradeType: 2));
        Eventually.True(() => FinalizedGroupVersion(connection) == 0, TimeSpan.FromSeconds(30), "group.version is no longer finalized");
        Assert.Equal((short)Fjord.Protocol.Errors.ErrorCode.UnsupportedVersion, Heartbeat(connection, "gv-group"));
        var described = connection.Receive<Fjord.Protocol.Messages.ConsumerGroupDescribeResponse>(69, 0,
            connection.Send(new Fjord.Protocol.Messages.ConsumerGroupDescribeRequest { GroupIds = ["gv-group"] }, 0));
        Assert.Equal((short)Fjord.Protocol.Errors.ErrorCode.UnsupportedVersion, Assert.Single(described.Groups).ErrorCode);

        Assert.Equal(0, UpdateGroupVersion(connection, 1, upgradeType: 1));
        Eventually.True(() => FinalizedGroupVersion(connection) == 1, TimeSpan.FromSeconds(30), "group.version is 1 again");
        Assert.Equal(0, Heartbeat(connection, "gv-group-2"));
    }

    private static Fjord.Protocol.Messages.ApiVersionsResponse ApiVersions(RawKafkaConnection connection) =>
        connection.Receive<Fjord.Protocol.Messages.ApiVersionsResponse>(18, 3,
            connection.Send(new Fjord.Protocol.Messages.ApiVersionsRequest { ClientSoftwareName = "fjord-tests", ClientSoftwareVersion = "1" }, 3));

    private static int FinalizedGroupVersion(RawKafkaConnection connection) =>
        ApiVersions(connection).FinalizedFeatures.FirstOrDefault(f => f.Name == "group.version")?.MaxVersionLevel ?? 0;

    private static short UpdateGroupVersion(RawKafkaConnection connection, short level, sbyte upgradeType)
    {
        var request = new Fjord.Protocol.Messages.UpdateFeaturesRequest();
        request.FeatureUpdates.Add(new Fjord.Protocol.Messages.UpdateFeaturesRequest.FeatureUpdateKey { Feature = "group.version", MaxVersionLevel = level, UpgradeType = upgradeType });
        return connection.Receive<Fjord.Protocol.Messages.UpdateFeaturesResponse>(57, 1, connection.Send(request, 1)).ErrorCode;
    }

    /// <summary>A consumer-protocol member's first heartbeat (epoch 0) to <paramref name="group"/>; its error code.</summary>
    private static short Heartbeat(RawKafkaConnection connection, string group) =>
        connection.Receive<Fjord.Protocol.Messages.ConsumerGroupHeartbeatResponse>(68, 0, connection.Send(new Fjord.Protocol.Messages.ConsumerGroupHeartbeatRequest
        {
            GroupId = group,
            MemberEpoch = 0,
            RebalanceTimeoutMs = 30_000,
            SubscribedTopicNames = ["gv-topic"],
            TopicPartitions = [],
        }, 0)).ErrorCode;

    /// <summary>A classic member as librdkafka runs it by default (eager range), heartbeating often so rebalances start quickly.</summary>
    private static void Classic(ConsumerConfig config)
    {
        config.GroupProtocol = GroupProtocol.Classic;
        config.PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range;
        config.SessionTimeoutMs = 6000;
        config.HeartbeatIntervalMs = 500;
    }

    /// <summary>The group's description, or null while the admin request fails.</summary>
    private static ConsumerGroupDescription? Describe(IAdminClient admin, string group)
    {
        try
        {
            return admin.DescribeConsumerGroupsAsync([group]).GetAwaiter().GetResult().ConsumerGroupDescriptions.Single();
        }
        catch (DescribeConsumerGroupsException)
        {
            return null;
        }
    }
}
