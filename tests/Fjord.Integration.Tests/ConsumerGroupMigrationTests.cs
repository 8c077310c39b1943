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
