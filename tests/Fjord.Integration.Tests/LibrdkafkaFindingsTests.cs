using System.Buffers;
using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Harness;
using Fjord.Protocol.Messages;
using Fjord.Protocol.Records;

namespace Fjord.Integration.Tests;

/// <summary>
/// The failures librdkafka's own integration tests found against one Fjord node (issue 20), each driven by a real
/// client against a real broker process and checked against what Kafka answers.
/// </summary>
[Collection(SharedBrokerCollection.Name)]
public sealed class LibrdkafkaFindingsTests(BrokerFixture fixture)
{
    private IAdminClient NewAdmin() => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.BootstrapServers }).Build();

    [Fact]
    public async Task CompactedTopic_RecordWithoutKey_FailsThatMessageWithInvalidRecord()
    {
        var topic = TestTopics.Unique("cmp-nokey");
        using (var admin = NewAdmin())
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1, Configs = new() { ["cleanup.policy"] = "compact" } }]);

        using var producer = new ProducerBuilder<string?, string>(new ProducerConfig { BootstrapServers = fixture.BootstrapServers, MessageSendMaxRetries = 0 }).Build();
        var keyed = await producer.ProduceAsync(topic, new Message<string?, string> { Key = "k", Value = "kept" });
        Assert.Equal(0, keyed.Offset.Value);
        var rejected = await Assert.ThrowsAsync<ProduceException<string?, string>>(() => producer.ProduceAsync(topic, new Message<string?, string> { Key = null, Value = "no key" }));
        Assert.Equal(ErrorCode.InvalidRecord, rejected.Error.Code);

        // Confluent.Kafka's delivery report carries the code's text only ("Broker failed to validate record"); the
        // record_errors entry itself is checked on the wire in CompactedTopic_BatchWithKeylessRecords_ListsEachInRecordErrors.
        Assert.Equal(1, (await producer.ProduceAsync(topic, new Message<string?, string> { Key = "k2", Value = "keyed" })).Offset.Value);
    }

    [Fact]
    public async Task CompactedTopic_BatchWithKeylessRecords_ListsEachInRecordErrors()
    {
        var topic = TestTopics.Unique("cmp-raw");
        using (var admin = NewAdmin())
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1, Configs = new() { ["cleanup.policy"] = "compact" } }]);
        using var builder = new RecordBatchBuilder();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        builder.Append(now, "k"u8.ToArray(), "a"u8.ToArray());
        builder.Append(now, null, "b"u8.ToArray());
        builder.Append(now, null, "c"u8.ToArray());
        var request = new ProduceRequest { Acks = 1, TimeoutMs = 5000 };
        request.TopicData.Add(new() { Name = topic, PartitionData = [new() { Index = 0, Records = new ReadOnlySequence<byte>(builder.ToArray()) }] });

        using var connection = new RawKafkaConnection(fixture.Broker.KafkaPort);
        var partition = connection.Receive<ProduceResponse>(0, 9, connection.Send(request, 9)).Responses[0].PartitionResponses[0];

        Assert.Equal((short)ErrorCode.InvalidRecord, partition.ErrorCode);
        Assert.Equal([1, 2], partition.RecordErrors.Select(e => e.BatchIndex));
        var reason = $"Compacted topic cannot accept message without key in topic partition {topic}-0.";
        Assert.All(partition.RecordErrors, e => Assert.Equal(reason, e.BatchIndexErrorMessage));
        Assert.Equal($"One or more records have been rejected due to 2 record errors in total, and only showing the first three errors at most: " +
            $"[RecordError(batchIndex=1, message='{reason}'), RecordError(batchIndex=2, message='{reason}')]", partition.ErrorMessage);
    }

    [Fact]
    public async Task MessageTimestampBounds_RefuseRecordsTooFarFromTheBrokersClock_WithInvalidTimestamp()
    {
        var topic = TestTopics.Unique("ts-bounds");
        using (var admin = NewAdmin())
        {
            await admin.CreateTopicsAsync([new TopicSpecification
            {
                Name = topic, NumPartitions = 1, ReplicationFactor = 1,
                Configs = new() { ["message.timestamp.before.max.ms"] = "3600000", ["message.timestamp.after.max.ms"] = "60000" },
            }]);
        }

        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = fixture.BootstrapServers, MessageSendMaxRetries = 0 }).Build();
        var now = DateTime.UtcNow;
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "now", Timestamp = new Timestamp(now) });
        foreach (var skewed in new[] { now.AddHours(-2), now.AddMinutes(10) })
        {
            var refused = await Assert.ThrowsAsync<ProduceException<string, string>>(() =>
                producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "skewed", Timestamp = new Timestamp(skewed) }));
            Assert.Equal(ErrorCode.InvalidTimestamp, refused.Error.Code);
        }

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig { BootstrapServers = fixture.BootstrapServers, GroupId = "ts-" + topic }).Build();
        Assert.Equal(1, consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10)).High.Value);
    }

    [Fact]
    public async Task TopicConfigs_RemovedInKafka4_AreRefusedAsUnknownLikeKafka4()
    {
        using var admin = NewAdmin();
        foreach (var removed in new[] { "message.format.version", "message.timestamp.difference.max.ms", "message.downconversion.enable" })
        {
            var value = removed == "message.format.version" ? "3.0" : removed == "message.downconversion.enable" ? "true" : "1000";
            var failure = await Assert.ThrowsAsync<CreateTopicsException>(() => admin.CreateTopicsAsync(
                [new TopicSpecification { Name = TestTopics.Unique("removed"), NumPartitions = 1, ReplicationFactor = 1, Configs = new() { [removed] = value } }]));
            Assert.Equal(ErrorCode.InvalidConfig, failure.Results[0].Error.Code);
        }

        var tiered = await Assert.ThrowsAsync<CreateTopicsException>(() => admin.CreateTopicsAsync(
            [new TopicSpecification { Name = TestTopics.Unique("tiered"), NumPartitions = 1, ReplicationFactor = 1, Configs = new() { ["remote.storage.enable"] = "true" } }]));
        Assert.Equal(ErrorCode.InvalidConfig, tiered.Results[0].Error.Code);
        Assert.Contains("Tiered Storage functionality is disabled", tiered.Results[0].Error.Reason);

        var topic = TestTopics.Unique("kafka4cfg");
        await admin.CreateTopicsAsync([new TopicSpecification
        {
            Name = topic, NumPartitions = 1, ReplicationFactor = 1,
            Configs = new() { ["preallocate"] = "true", ["segment.jitter.ms"] = "1000", ["compression.zstd.level"] = "5", ["remote.storage.enable"] = "false", ["local.retention.ms"] = "-2" },
        }]);
        var described = (await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }]))[0].Entries;
        Assert.Equal("true", described["preallocate"].Value);
        Assert.Equal("3600000", described["message.timestamp.after.max.ms"].Value);
        Assert.Equal(ConfigSource.DefaultConfig, described["message.timestamp.after.max.ms"].Source);
        Assert.Equal("5", described["compression.zstd.level"].Value);
    }

    [Fact]
    public async Task CompactedTopic_KcatProducingWithoutKey_FailsDeliveryWithInvalidRecord()
    {
        var topic = TestTopics.Unique("cmp-kcat");
        using (var admin = NewAdmin())
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1, Configs = new() { ["cleanup.policy"] = "compact" } }]);

        // kcat 1.7 prints the error code's text (librdkafka 2.0.2 has no per-record errstr yet).
        var produce = ExternalCommand.Run("kcat", ["-b", fixture.BootstrapServers, "-P", "-t", topic, "-X", "message.send.max.retries=0"], "no key\n");
        Assert.Contains("Delivery failed for message: Broker: Broker failed to validate record", produce.StandardError);
        Assert.True(produce.ExitCode != 0, produce.ToString());

        var keyed = ExternalCommand.Run("kcat", ["-b", fixture.BootstrapServers, "-P", "-t", topic, "-K", ":"], "k:kept\n");
        Assert.True(keyed.ExitCode == 0, keyed.ToString());
    }

    [Fact]
    public async Task MaxCompactionLagMs_IsATopicConfig_ForAlterConfigsAndIncrementalAlterConfigs()
    {
        using var admin = NewAdmin();
        var topic = TestTopics.Unique("maxlag");
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1, Configs = new() { ["max.compaction.lag.ms"] = "600000" } }]);
        var resource = new ConfigResource { Type = ResourceType.Topic, Name = topic };
        Assert.Equal("600000", (await admin.DescribeConfigsAsync([resource]))[0].Entries["max.compaction.lag.ms"].Value);

        await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] = [new ConfigEntry { Name = "max.compaction.lag.ms", Value = "60000", IncrementalOperation = AlterConfigOpType.Set }],
        });
        var described = (await admin.DescribeConfigsAsync([resource]))[0].Entries["max.compaction.lag.ms"];
        Assert.Equal("60000", described.Value);
        Assert.Equal(ConfigSource.DynamicTopicConfig, described.Source);

#pragma warning disable CS0618 // the legacy AlterConfigs is under test
        await admin.AlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>> { [resource] = [new ConfigEntry { Name = "max.compaction.lag.ms", Value = "120000" }] });
#pragma warning restore CS0618
        Assert.Equal("120000", (await admin.DescribeConfigsAsync([resource]))[0].Entries["max.compaction.lag.ms"].Value);

        var zero = await Assert.ThrowsAsync<IncrementalAlterConfigsException>(() => admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] = [new ConfigEntry { Name = "max.compaction.lag.ms", Value = "0", IncrementalOperation = AlterConfigOpType.Set }],
        }));
        Assert.Equal(ErrorCode.InvalidConfig, zero.Results[0].Error.Code);
    }

    [Fact]
    public async Task AlterConfigs_OnAMissingTopic_IsUnknownTopicOrPartition()
    {
        using var admin = NewAdmin();
        var missing = new ConfigResource { Type = ResourceType.Topic, Name = TestTopics.Unique("nosuch") };
#pragma warning disable CS0618 // the legacy AlterConfigs is under test
        var legacy = await Assert.ThrowsAsync<AlterConfigsException>(() => admin.AlterConfigsAsync(
            new Dictionary<ConfigResource, List<ConfigEntry>> { [missing] = [new ConfigEntry { Name = "retention.ms", Value = "1000" }] }));
#pragma warning restore CS0618
        Assert.Equal(ErrorCode.UnknownTopicOrPart, legacy.Results[0].Error.Code);

        var incremental = await Assert.ThrowsAsync<IncrementalAlterConfigsException>(() => admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [missing] = [new ConfigEntry { Name = "retention.ms", Value = "1000", IncrementalOperation = AlterConfigOpType.Set }],
        }));
        Assert.Equal(ErrorCode.UnknownTopicOrPart, incremental.Results[0].Error.Code);
    }

    [Fact]
    public async Task DynamicBrokerConfigs_OnASingleNode_AreAcceptedAndDescribedAsDynamic()
    {
        using var admin = NewAdmin();
        var thisBroker = new ConfigResource { Type = ResourceType.Broker, Name = "0" };
        await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [thisBroker] =
            [
                new ConfigEntry { Name = "log.cleaner.min.compaction.lag.ms", Value = "1000", IncrementalOperation = AlterConfigOpType.Set },
                new ConfigEntry { Name = "log.cleaner.max.compaction.lag.ms", Value = "86400000", IncrementalOperation = AlterConfigOpType.Set },
            ],
        });
        var described = (await admin.DescribeConfigsAsync([thisBroker]))[0].Entries;
        Assert.Equal("1000", described["log.cleaner.min.compaction.lag.ms"].Value);
        Assert.Equal(ConfigSource.DynamicBrokerConfig, described["log.cleaner.min.compaction.lag.ms"].Source);
        Assert.False(described["log.cleaner.min.compaction.lag.ms"].IsReadOnly);
        Assert.Equal("86400000", described["log.cleaner.max.compaction.lag.ms"].Value);

        await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [thisBroker] =
            [
                new ConfigEntry { Name = "log.cleaner.min.compaction.lag.ms", IncrementalOperation = AlterConfigOpType.Delete },
                new ConfigEntry { Name = "log.cleaner.max.compaction.lag.ms", IncrementalOperation = AlterConfigOpType.Delete },
            ],
        });

        // Kafka refuses read-only broker configs with INVALID_REQUEST, and so does Fjord.
        var readOnly = await Assert.ThrowsAsync<IncrementalAlterConfigsException>(() => admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [thisBroker] = [new ConfigEntry { Name = "broker.rack", Value = "elsewhere", IncrementalOperation = AlterConfigOpType.Set }],
        }));
        Assert.Equal(ErrorCode.InvalidRequest, readOnly.Results[0].Error.Code);
    }

    [Fact]
    public async Task AlterConfigs_KerberosLoginSettingOfOneBroker_IsAcceptedButNotForTheWholeCluster()
    {
        // librdkafka's 0081-admin alters sasl.kerberos.min.time.before.relogin on a broker with the legacy AlterConfigs
        // and expects NO_ERROR: Kafka takes its listeners' Kerberos settings dynamically, per broker only.
        using var admin = NewAdmin();
        var thisBroker = new ConfigResource { Type = ResourceType.Broker, Name = "0" };
#pragma warning disable CS0618 // the legacy AlterConfigs is what librdkafka's test sends
        await admin.AlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [thisBroker] = [new ConfigEntry { Name = "sasl.kerberos.min.time.before.relogin", Value = "58000" }],
        });
        var entry = (await admin.DescribeConfigsAsync([thisBroker]))[0].Entries["sasl.kerberos.min.time.before.relogin"];
        Assert.Equal("58000", entry.Value);
        Assert.Equal(ConfigSource.DynamicBrokerConfig, entry.Source);

#pragma warning restore CS0618

        // librdkafka refuses an empty resource name itself, so the whole-cluster form goes on the wire by hand.
        var request = new AlterConfigsRequest
        {
            Resources = [new() { ResourceType = (sbyte)ResourceType.Broker, ResourceName = "", Configs = [new() { Name = "sasl.kerberos.min.time.before.relogin", Value = "58000" }] }],
        };
        using var connection = new RawKafkaConnection(fixture.Broker.KafkaPort);
        var wholeCluster = Assert.Single(connection.Receive<AlterConfigsResponse>(33, 2, connection.Send(request, 2)).Responses);
        Assert.Equal((short)ErrorCode.InvalidConfig, wholeCluster.ErrorCode);
        Assert.Contains("broker id must be specified", wholeCluster.ErrorMessage, StringComparison.Ordinal);

        await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [thisBroker] = [new ConfigEntry { Name = "sasl.kerberos.min.time.before.relogin", IncrementalOperation = AlterConfigOpType.Delete }],
        });
        Assert.Equal("60000", (await admin.DescribeConfigsAsync([thisBroker]))[0].Entries["sasl.kerberos.min.time.before.relogin"].Value);
    }

    [Fact]
    public async Task DescribeConfigs_OfABroker_UsesKafkasNamesForRackAndNodeSettings()
    {
        using var broker = BrokerProcess.Start("broker.rack=rack-a");
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        var described = (await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Broker, Name = "0" }]))[0].Entries;
        Assert.Equal("rack-a", described["broker.rack"].Value);
        Assert.Equal(ConfigSource.StaticBrokerConfig, described["broker.rack"].Source);
        Assert.True(described["broker.rack"].IsReadOnly);
        Assert.False(described.ContainsKey("rack"), "Kafka has no config named 'rack'");
        Assert.Equal("0", described["broker.id"].Value);
        Assert.Equal($"PLAINTEXT://127.0.0.1:{broker.KafkaPort}", described["listeners"].Value);
        Assert.Equal("broker,controller", described["process.roles"].Value);
        Assert.Equal(broker.DataDir, described["log.dirs"].Value);
        Assert.True(described["log.dirs"].IsReadOnly);

        var cluster = await admin.DescribeClusterAsync();
        Assert.Equal("rack-a", Assert.Single(cluster.Nodes).Rack);
    }

    [Fact]
    public async Task DeleteGroups_AfterStaticMembersClosedWithoutLeaving_IsNonEmptyUntilTheirSessionsExpire()
    {
        const int sessionTimeoutMs = 6000;
        using var admin = NewAdmin();
        var topic = TestTopics.Unique("static-del");
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 3, ReplicationFactor = 1 }]);
        var group = "g-" + topic;
        var members = Enumerable.Range(0, 3).Select(i => new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = fixture.BootstrapServers,
            GroupId = group,
            GroupInstanceId = "static-" + i,
            SessionTimeoutMs = sessionTimeoutMs,
            HeartbeatIntervalMs = 500,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build()).ToList();
        foreach (var member in members) member.Subscribe(topic);
        Eventually.True(() =>
        {
            foreach (var member in members) member.Consume(TimeSpan.FromMilliseconds(100));
            return members.All(m => m.Assignment.Count == 1);
        }, TimeSpan.FromSeconds(60), "three static members hold one partition each");

        // Static members do not send LeaveGroup on close (KIP-345): the coordinator keeps them, as Kafka does,
        // until their session times out, so a DeleteGroups at once is NON_EMPTY_GROUP ...
        foreach (var member in members)
        {
            member.Close();
            member.Dispose();
        }
        var closedAt = Stopwatch.StartNew();
        var early = await Assert.ThrowsAsync<DeleteGroupsException>(() => admin.DeleteGroupsAsync([group]));
        Assert.Equal(ErrorCode.NonEmptyGroup, early.Results[0].Error.Code);

        // ... and succeeds once session.timeout.ms has removed them and the group is Empty.
        Eventually.True(() =>
        {
            try
            {
                admin.DeleteGroupsAsync([group]).GetAwaiter().GetResult();
                return true;
            }
            catch (DeleteGroupsException e) when (e.Results[0].Error.Code == ErrorCode.NonEmptyGroup)
            {
                return false;
            }
        }, TimeSpan.FromMilliseconds(sessionTimeoutMs * 5), "DeleteGroups succeeds once the static members' sessions expired");
        Console.WriteLine($"DeleteGroups succeeded {closedAt.ElapsedMilliseconds} ms after the static members closed (session.timeout.ms {sessionTimeoutMs})");
        var listed = await admin.ListConsumerGroupsAsync();
        Assert.DoesNotContain(listed.Valid, g => g.GroupId == group);
    }

    [Fact]
    public void InitTransactions_WithATimeoutAboveTheBrokersMaximum_FailsWithInvalidTransactionTimeout()
    {
        // transaction.max.timeout.ms defaults to 15 minutes; a producer asking for more is refused by the coordinator.
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = fixture.BootstrapServers,
            TransactionalId = "tx-" + Guid.NewGuid().ToString("N"),
            TransactionTimeoutMs = 900_001,
        }).Build();
        var clock = Stopwatch.StartNew();
        var failure = Assert.ThrowsAny<KafkaException>(() => producer.InitTransactions(TimeSpan.FromSeconds(30)));
        Console.WriteLine($"init_transactions failed after {clock.ElapsedMilliseconds} ms: {failure.Error.Code} {failure.Error.Reason}");
        Assert.Equal(ErrorCode.InvalidTransactionTimeout, failure.Error.Code);
    }
}
