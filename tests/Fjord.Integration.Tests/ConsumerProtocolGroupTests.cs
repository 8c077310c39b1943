using System.Collections.Concurrent;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests;

/// <summary>
/// KIP-848 consumer groups (<c>group.protocol=consumer</c>) driven by Confluent.Kafka 2.16 against a real
/// broker process of their own (short heartbeat interval and session timeout, and a kill -9 in one test).
/// </summary>
public sealed class ConsumerProtocolGroupTests(ITestOutputHelper output)
{
    private static readonly string[] s_settings =
    [
        "group.consumer.heartbeat.interval.ms=500",
        "group.consumer.session.timeout.ms=6000",
    ];

    /// <summary>
    /// Kafka's default session timeout for the kill test: librdkafka reconnects with a back-off of up to 10 s, so a
    /// 6 s session can expire while the restarted coordinator waits for the members' first heartbeats; a fenced
    /// member's partitions are then handed on before it hears it lost them, which is Kafka's behaviour but not the
    /// hand-over this test is about.
    /// </summary>
    private static readonly string[] s_killSettings =
    [
        "group.consumer.heartbeat.interval.ms=500",
        "group.consumer.session.timeout.ms=45000",
    ];

    [Fact]
    public async Task Members_JoinInStepsAndLeave_NeverShareAPartition_AndConsumeEveryRecord()
    {
        using var broker = BrokerProcess.Start(s_settings);
        var topic = TestTopics.Unique("kip848");
        await TestTopics.CreateAsync(broker, topic, 6);
        await TestTopics.ProduceAsync(broker, topic, 0, 600);

        var group = "g-" + topic;
        var consumed = new ConcurrentDictionary<string, int>();
        var members = new List<GroupConsumer>();
        try
        {
            members.Add(GroupConsumer.Start(broker, group, topic, "m1", consumed));
            Eventually.True(() => GroupConsumer.AssignedCount(members) == 6, TimeSpan.FromSeconds(60), () => "one member owns all 6 partitions: " + GroupConsumer.Describe(members));

            members.Add(GroupConsumer.Start(broker, group, topic, "m2", consumed));
            members.Add(GroupConsumer.Start(broker, group, topic, "m3", consumed));
            Eventually.True(() => GroupConsumer.Balanced(members, 6), TimeSpan.FromSeconds(60), () => "three members own 2 partitions each: " + GroupConsumer.Describe(members));

            // More records while the group is complete, then one member leaves (close sends epoch -1).
            await TestTopics.ProduceAsync(broker, topic, 600, 300);
            members[2].Close();
            var remaining = members.Take(2).ToList();
            Eventually.True(() => GroupConsumer.Balanced(remaining, 6), TimeSpan.FromSeconds(60), () => "the two remaining members own 3 partitions each: " + GroupConsumer.Describe(remaining));
            await TestTopics.ProduceAsync(broker, topic, 900, 300);
            Eventually.True(() => consumed.Count == 1200, TimeSpan.FromSeconds(90), () => $"all 1200 records consumed, got {consumed.Count}");
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
        output.WriteLine($"records consumed: {consumed.Count} distinct, {consumed.Values.Sum()} in all (redeliveries after rebalances: {consumed.Values.Sum() - consumed.Count})");
    }

    [Fact]
    public async Task KillDashNine_TheGroupAndItsCommittedOffsetsSurvive_AndNothingIsConsumedTwice()
    {
        using var broker = BrokerProcess.Start(s_killSettings);
        var topic = TestTopics.Unique("kip848-kill");
        await TestTopics.CreateAsync(broker, topic, 4);
        await TestTopics.ProduceAsync(broker, topic, 0, 400);
        var group = "g-" + topic;
        var consumed = new ConcurrentDictionary<string, int>();
        var members = new List<GroupConsumer>();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        var killedAt = DateTime.MinValue;
        try
        {
            members.Add(GroupConsumer.Start(broker, group, topic, "k1", consumed));
            // k2 joins once k1 has taken its first assignment: librdkafka reports the partitions a member owns only
            // after the application was given them, so a member joining while the first assignment is still in flight
            // can be handed partitions the other is about to get (Kafka's coordinator decides the same way on the same
            // heartbeats). That race is the join test's business, not this one's.
            Eventually.True(() => members[0].Owned.Count == 4, TimeSpan.FromSeconds(60), () => $"k1 owns all four partitions: {GroupConsumer.Describe(members)}");
            members.Add(GroupConsumer.Start(broker, group, topic, "k2", consumed));
            Eventually.True(() => consumed.Count == 400 && GroupConsumer.Balanced(members, 4), TimeSpan.FromSeconds(90), () => $"400 records consumed by two balanced members, got {consumed.Count}: {GroupConsumer.Describe(members)}");
            Eventually.True(() => CommittedSum(admin, group) == 400, TimeSpan.FromSeconds(30), () => $"auto-commit reached 400 in all, at {CommittedSum(admin, group)}");

            var before = (await admin.DescribeConsumerGroupsAsync([group])).ConsumerGroupDescriptions.Single();
            Assert.Equal(ConsumerGroupType.Consumer, before.GroupType);
            var memberIds = before.Members.Select(m => m.ConsumerId).Order().ToList();
            Assert.Equal(2, memberIds.Count);

            killedAt = DateTime.UtcNow;
            broker.Kill();
            broker.Restart();
            await TestTopics.ProduceAsync(broker, topic, 400, 400);
            Eventually.True(() => consumed.Count == 800, TimeSpan.FromSeconds(120), () => $"all 800 records consumed after the restart, got {consumed.Count}: {GroupConsumer.Describe(members)}");
            output.WriteLine($"records after the restart consumed {(DateTime.UtcNow - killedAt).TotalSeconds:F1} s after kill -9");

            // A fresh admin client: the old one's connection died with the broker.
            using var adminAfter = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
            List<string>? after = null;
            Eventually.True(() => (after = DescribedMembers(adminAfter, group)) is { Count: 2 }, TimeSpan.FromSeconds(30), () => $"the group is described with two members after the restart: {string.Join(",", after ?? [])}");
            Assert.Equal(memberIds, after);
        }
        finally
        {
            foreach (var member in members)
            {
                member.Close();
            }
        }

        // Offsets committed before the kill held: no record written before it was delivered twice.
        var redelivered = Enumerable.Range(0, 400).Where(i => consumed.GetValueOrDefault(i.ToString()) != 1).ToList();
        Assert.True(redelivered.Count == 0, $"records before the kill delivered other than once: {string.Join(",", redelivered.Take(20))}");
        Assert.True(!members.SelectMany(m => m.Overlaps).Any(),
            $"{string.Join("; ", members.SelectMany(m => m.Overlaps))}; kill at {killedAt:HH:mm:ss.fff}; assignment changes:\n{string.Join("\n", GroupConsumer.Journal)}");
    }

    [Fact]
    public async Task ExplicitCommits_CarryTheMemberEpoch_AndANewMemberResumesThere()
    {
        using var broker = BrokerProcess.Start(s_settings);
        var topic = TestTopics.Unique("kip848-commit");
        await TestTopics.CreateAsync(broker, topic, 1);
        await TestTopics.ProduceAsync(broker, topic, 0, 100);
        var group = "g-" + topic;
        var config = new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = group,
            GroupProtocol = GroupProtocol.Consumer,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        using (var consumer = new ConsumerBuilder<Ignore, string>(config).Build())
        {
            consumer.Subscribe(topic);
            ConsumeResult<Ignore, string>? last = null;
            Eventually.True(() => (last = consumer.Consume(TimeSpan.FromMilliseconds(200)) ?? last)?.Message.Value == "49", TimeSpan.FromSeconds(60), "the member reached record 49");
            consumer.Commit(last!);
            consumer.Close();
        }

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        Assert.Equal(50, CommittedSum(admin, group));

        using var resumed = new ConsumerBuilder<Ignore, string>(config).Build();
        resumed.Subscribe(topic);
        ConsumeResult<Ignore, string>? first = null;
        Eventually.True(() => (first = resumed.Consume(TimeSpan.FromMilliseconds(200))) is not null, TimeSpan.FromSeconds(60), "the new member delivered a record");
        Assert.Equal(50, first!.Offset.Value);
        resumed.Close();
    }

    [Fact]
    public async Task RegexSubscription_PicksUpATopicCreatedLater()
    {
        using var broker = BrokerProcess.Start(s_settings);
        var prefix = TestTopics.Unique("rx");
        await TestTopics.CreateAsync(broker, prefix + "-a", 2);
        await TestTopics.ProduceAsync(broker, prefix + "-a", 0, 20);
        var consumed = new ConcurrentDictionary<string, int>();
        var member = GroupConsumer.Start(broker, "g-" + prefix, "^" + prefix + "-.*", "rx1", consumed);
        try
        {
            Eventually.True(() => consumed.Count == 20, TimeSpan.FromSeconds(60), () => $"the regex member consumed the first topic, got {consumed.Count}");

            // The regex went to the broker (KIP-848 server-side resolution), as ConsumerGroupDescribe shows.
            using (var connection = new RawKafkaConnection(broker.KafkaPort))
            {
                var described = connection.Receive<Fjord.Protocol.Messages.ConsumerGroupDescribeResponse>(69, 0, connection.Send(new Fjord.Protocol.Messages.ConsumerGroupDescribeRequest { GroupIds = ["g-" + prefix] }, 0));
                var group = Assert.Single(described.Groups);
                Assert.Equal(0, group.ErrorCode);
                var described0 = Assert.Single(group.Members);
                output.WriteLine($"member subscription: names [{string.Join(",", described0.SubscribedTopicNames)}] regex {described0.SubscribedTopicRegex ?? "(none)"}");
                // librdkafka joins its subscribed patterns as (p1)|(p2)...
                Assert.Equal("(^" + prefix + "-.*)", described0.SubscribedTopicRegex);
            }

            await TestTopics.CreateAsync(broker, prefix + "-b", 3);
            await TestTopics.ProduceAsync(broker, prefix + "-b", 20, 30);
            Eventually.True(() => consumed.Count == 50, TimeSpan.FromSeconds(90), () => $"the regex member consumed the topic created later too, got {consumed.Count}: {GroupConsumer.Describe([member])}");
        }
        finally
        {
            member.Close();
        }

        Assert.Empty(member.Overlaps);
    }

    [Fact]
    public void ApiVersions_AdvertisesTheConsumerGroupApis_UnlessRebalanceProtocolsExcludeConsumer()
    {
        using var both = BrokerProcess.Start(s_settings);
        using var classicOnly = BrokerProcess.Start("group.coordinator.rebalance.protocols=classic");

        var advertised = AdvertisedApis(both);
        Assert.Equal((0, 1), advertised[68]);
        Assert.Equal((0, 1), advertised[69]);
        var classic = AdvertisedApis(classicOnly);
        Assert.False(classic.ContainsKey(68), "ConsumerGroupHeartbeat is not advertised with group.coordinator.rebalance.protocols=classic");
        Assert.False(classic.ContainsKey(69));
        Assert.True(classic.ContainsKey(11), "JoinGroup stays advertised");
    }

    private static Dictionary<short, (short Min, short Max)> AdvertisedApis(BrokerProcess broker)
    {
        using var connection = new RawKafkaConnection(broker.KafkaPort);
        var response = connection.Receive<Fjord.Protocol.Messages.ApiVersionsResponse>(18, 3, connection.Send(new Fjord.Protocol.Messages.ApiVersionsRequest { ClientSoftwareName = "fjord-tests", ClientSoftwareVersion = "1" }, 3));
        return response.ApiKeys.ToDictionary(k => k.ApiKey, k => (k.MinVersion, k.MaxVersion));
    }

    /// <summary>The group's member ids, or null while the admin request fails (the broker is still starting).</summary>
    private static List<string>? DescribedMembers(IAdminClient admin, string group)
    {
        try
        {
            return admin.DescribeConsumerGroupsAsync([group]).GetAwaiter().GetResult().ConsumerGroupDescriptions.Single().Members.Select(m => m.ConsumerId).Order().ToList();
        }
        catch (DescribeConsumerGroupsException)
        {
            return null;
        }
    }

    private static long CommittedSum(IAdminClient admin, string group)
    {
        var offsets = admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, null)]).GetAwaiter().GetResult();
        return offsets.Single().Partitions.Where(p => p.Offset != Offset.Unset).Sum(p => p.Offset.Value);
    }
}
