using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests;

/// <summary>
/// Kafka 4.0's GROUP config resource (type 32, KIP-848) driven by Confluent.Kafka's AdminClient against a broker of its
/// own whose group.consumer.* bounds let a test run quickly; the group's heartbeat interval then reaches a
/// consumer-protocol member (the broker's answer, and librdkafka's heartbeat cadence, printed).
/// </summary>
public sealed class GroupConfigTests(ITestOutputHelper output)
{
    private static readonly string[] s_settings =
    [
        "group.consumer.heartbeat.interval.ms=500",
        "group.consumer.min.heartbeat.interval.ms=500",
        "group.consumer.session.timeout.ms=6000",
        "group.consumer.min.session.timeout.ms=6000",
    ];

    [Fact]
    public async Task AdminClient_SetsDescribesAndRefusesGroupConfigs_AsKafka()
    {
        using var broker = BrokerProcess.Start(s_settings);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        var resource = new ConfigResource { Type = ResourceType.Group, Name = "my-group" };

        // librdkafka's 0081_admin: a group that does not exist gets a config.
        await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] = [new ConfigEntry { Name = "consumer.session.timeout.ms", Value = "50000", IncrementalOperation = AlterConfigOpType.Set }],
        });

        var described = (await admin.DescribeConfigsAsync([resource]))[0];
        Assert.Equal("50000", described.Entries["consumer.session.timeout.ms"].Value);
        Assert.Equal(8, (int)described.Entries["consumer.session.timeout.ms"].Source); // GROUP_CONFIG
        Assert.Equal("500", described.Entries["consumer.heartbeat.interval.ms"].Value); // the broker's default
        Assert.Equal(ConfigSource.DefaultConfig, described.Entries["consumer.heartbeat.interval.ms"].Source);

        var unknown = await Assert.ThrowsAsync<IncrementalAlterConfigsException>(() => admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] = [new ConfigEntry { Name = "share.session.timeout.ms", Value = "50000", IncrementalOperation = AlterConfigOpType.Set }],
        }));
        Assert.Equal(ErrorCode.InvalidConfig, unknown.Results[0].Error.Code);
        Assert.Contains("Unknown group config name: share.session.timeout.ms", unknown.Results[0].Error.Reason, StringComparison.Ordinal);

        var tooLong = await Assert.ThrowsAsync<IncrementalAlterConfigsException>(() => admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] = [new ConfigEntry { Name = "consumer.session.timeout.ms", Value = "60001", IncrementalOperation = AlterConfigOpType.Set }],
        }));
        Assert.Equal(ErrorCode.InvalidConfig, tooLong.Results[0].Error.Code);
        Assert.Contains("consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms", tooLong.Results[0].Error.Reason, StringComparison.Ordinal);

        var crossing = await Assert.ThrowsAsync<IncrementalAlterConfigsException>(() => admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] =
            [
                new ConfigEntry { Name = "consumer.session.timeout.ms", Value = "6000", IncrementalOperation = AlterConfigOpType.Set },
                new ConfigEntry { Name = "consumer.heartbeat.interval.ms", Value = "6000", IncrementalOperation = AlterConfigOpType.Set },
            ],
        }));
        Assert.Equal(ErrorCode.InvalidConfig, crossing.Results[0].Error.Code);
        Assert.Contains("consumer.session.timeout.ms must be greater than consumer.heartbeat.interval.ms", crossing.Results[0].Error.Reason, StringComparison.Ordinal);

        // Refused changes left the stored value alone.
        Assert.Equal("50000", (await admin.DescribeConfigsAsync([resource]))[0].Entries["consumer.session.timeout.ms"].Value);
    }

    [Fact]
    public async Task ConsumerProtocolMember_HeartbeatsAtItsGroupsInterval()
    {
        using var broker = BrokerProcess.Start(s_settings);
        var topic = TestTopics.Unique("groupcfg");
        await TestTopics.CreateAsync(broker, topic, 2);
        var group = "g-" + topic;
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
            {
                [new ConfigResource { Type = ResourceType.Group, Name = group }] =
                    [new ConfigEntry { Name = "consumer.heartbeat.interval.ms", Value = "2000", IncrementalOperation = AlterConfigOpType.Set }],
            });
        }

        // The broker's answer to a member of that group, and to a member of another group.
        using (var connection = new RawKafkaConnection(broker.KafkaPort))
        {
            Assert.Equal(2000, Heartbeat(connection, group, topic).HeartbeatIntervalMs);
            Assert.Equal(500, Heartbeat(connection, "other-" + group, topic).HeartbeatIntervalMs);
        }

        // librdkafka follows the interval it is given: its heartbeat responses, as its cgrp debug log shows them.
        var responses = new ConcurrentQueue<long>();
        var clock = Stopwatch.StartNew();
        var config = new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = group,
            GroupProtocol = GroupProtocol.Consumer,
            Debug = "cgrp",
        };
        using var consumer = new ConsumerBuilder<Ignore, string>(config)
            .SetLogHandler((_, log) =>
            {
                if (log.Message.Contains("ConsumerGroupHeartbeat response received", StringComparison.Ordinal)) responses.Enqueue(clock.ElapsedMilliseconds);
            })
            .Build();
        consumer.Subscribe(topic);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (responses.Count < 6 && DateTime.UtcNow < deadline) consumer.Consume(TimeSpan.FromMilliseconds(200));
        consumer.Close();

        var times = responses.ToArray();
        Assert.True(times.Length >= 6, $"librdkafka logged {times.Length} heartbeat responses in 60 s");
        var gaps = times.Zip(times.Skip(1), (a, b) => b - a).ToArray();
        output.WriteLine($"heartbeat gaps (ms) with the group's 2000 ms interval, broker default 500 ms: {string.Join(", ", gaps)}");
    }

    /// <summary>A first heartbeat (epoch 0), after FindCoordinator, repeated while the coordinator is still coming up.</summary>
    private static Fjord.Protocol.Messages.ConsumerGroupHeartbeatResponse Heartbeat(RawKafkaConnection connection, string group, string topic)
    {
        Fjord.Protocol.Messages.ConsumerGroupHeartbeatResponse? response = null;
        Eventually.True(() =>
        {
            // FindCoordinator first, as a client does: it creates __consumer_offsets, whose partition leader coordinates the group.
            connection.Receive<Fjord.Protocol.Messages.FindCoordinatorResponse>(10, 3, connection.Send(new Fjord.Protocol.Messages.FindCoordinatorRequest { Key = group }, 3));
            response = connection.Receive<Fjord.Protocol.Messages.ConsumerGroupHeartbeatResponse>(68, 0, connection.Send(new Fjord.Protocol.Messages.ConsumerGroupHeartbeatRequest
            {
                GroupId = group,
                MemberEpoch = 0,
                RebalanceTimeoutMs = 30_000,
                SubscribedTopicNames = [topic],
                TopicPartitions = [],
            }, 0));
            return response.ErrorCode == 0;
        }, TimeSpan.FromSeconds(30), () => $"ConsumerGroupHeartbeat for {group} answered error {response?.ErrorCode} ({response?.ErrorMessage})");
        return response!;
    }
}
