using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Harness;

namespace Fjord.Integration.Tests.Security;

/// <summary>
/// The ACL authorizer (README "Security") on a real broker: principals (super user, owner, reader, stranger, anonymous) ×
/// operations × literal and prefixed resources, each denied case with Kafka's error and each allowed case allowed,
/// driven with Confluent.Kafka (SASL_PLAINTEXT PLAIN and SCRAM), kafka-python and kcat.
/// </summary>
public sealed class AuthorizationMatrixTests : IDisposable
{
    private const string Orders = "orders";
    private const string AppEvents = "app-events";

    private readonly string _usersFile = Path.Combine(Path.GetTempPath(), "fjord-it-acl-users-" + Guid.NewGuid().ToString("N")[..12]);

    public AuthorizationMatrixTests() => File.WriteAllText(_usersFile, "admin=admin-secret\nowner=owner-secret\nreader=reader-secret\nstranger=stranger-secret\n");

    private BrokerProcess StartBroker() => BrokerProcess.Start(
        "kafka.listener.name=SASL_PLAINTEXT", $"sasl.plain.users.file={_usersFile}", "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512",
        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer", "super.users=User:admin",
        "offsets.topic.replication.factor=1", "group.initial.rebalance.delay.ms=0");

    private static ClientConfig As(BrokerProcess broker, string user, SaslMechanism mechanism = SaslMechanism.Plain) => new()
    {
        BootstrapServers = broker.BootstrapServers, SecurityProtocol = SecurityProtocol.SaslPlaintext,
        SaslMechanism = mechanism, SaslUsername = user, SaslPassword = user + "-secret",
    };

    private static IAdminClient Admin(ClientConfig config) => new AdminClientBuilder(new AdminClientConfig(new Dictionary<string, string>(config))).Build();

    private static AclBinding Allow(ResourceType type, string name, ResourcePatternType pattern, string user, AclOperation op) => new()
    {
        Pattern = new ResourcePattern { Type = type, Name = name, ResourcePatternType = pattern },
        Entry = new AccessControlEntry { Principal = "User:" + user, Host = "*", Operation = op, PermissionType = AclPermissionType.Allow },
    };

    private static AclBinding Deny(ResourceType type, string name, string user, AclOperation op)
    {
        var binding = Allow(type, name, ResourcePatternType.Literal, user, op);
        binding.Entry.PermissionType = AclPermissionType.Deny;
        return binding;
    }

    /// <summary>The error producing one record gets (NoError when delivered).</summary>
    private static ErrorCode Produce(ClientConfig config, string topic)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig(new Dictionary<string, string>(config)) { MessageTimeoutMs = 15_000 }).Build();
        var delivered = producer.ProduceAsync(topic, new Message<Null, string> { Value = "v" });
        try
        {
            return delivered.GetAwaiter().GetResult().Status == PersistenceStatus.Persisted ? ErrorCode.NoError : ErrorCode.Local_MsgTimedOut;
        }
        catch (ProduceException<Null, string> e)
        {
            return e.Error.Code;
        }
    }

    /// <summary>Reads partition 0 from the start (assigned, no group); the error it fails with, or NoError once a record came.</summary>
    private static ErrorCode Consume(ClientConfig config, string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig(new Dictionary<string, string>(config)) { GroupId = "unused", EnableAutoCommit = false }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (consumer.Consume(TimeSpan.FromSeconds(1)) is { Message: not null }) return ErrorCode.NoError;
            }
            catch (ConsumeException e) when (e.Error.Code == ErrorCode.GroupAuthorizationFailed)
            {
                // librdkafka looks up the coordinator of its (unused) group even when partitions are assigned; not being
                // allowed that group does not stop the fetches this checks.
            }
            catch (ConsumeException e)
            {
                return e.Error.Code;
            }
        }

        throw new TimeoutException($"consuming {topic} neither returned a record nor failed in 30 s");
    }

    /// <summary>Joins <paramref name="group"/> subscribed to <paramref name="topic"/>; the error, or NoError once a record came.</summary>
    private static ErrorCode JoinAndConsume(ClientConfig config, string group, string topic)
    {
        var errors = new List<ErrorCode>();
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig(new Dictionary<string, string>(config))
        {
            GroupId = group, AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = false,
        }).SetErrorHandler((_, e) => { lock (errors) errors.Add(e.Code); }).Build();
        consumer.Subscribe(topic);
        var deadline = DateTime.UtcNow.AddSeconds(40);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (consumer.Consume(TimeSpan.FromSeconds(1)) is { Message: not null } result)
                {
                    consumer.Commit(result);
                    return ErrorCode.NoError;
                }
            }
            catch (ConsumeException e)
            {
                return e.Error.Code;
            }

            lock (errors)
            {
                if (errors.Count > 0) return errors[0];
            }
        }

        throw new TimeoutException($"group {group} neither consumed {topic} nor failed in 40 s");
    }

    private static ErrorCode CreateTopic(ClientConfig config, string topic)
    {
        using var admin = Admin(config);
        try
        {
            admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]).GetAwaiter().GetResult();
            return ErrorCode.NoError;
        }
        catch (CreateTopicsException e)
        {
            return e.Results[0].Error.Code;
        }
    }

    private static ErrorCode DeleteTopic(ClientConfig config, string topic)
    {
        using var admin = Admin(config);
        try
        {
            admin.DeleteTopicsAsync([topic]).GetAwaiter().GetResult();
            return ErrorCode.NoError;
        }
        catch (DeleteTopicsException e)
        {
            return e.Results[0].Error.Code;
        }
    }

    private static ErrorCode AlterTopicConfig(ClientConfig config, string topic)
    {
        using var admin = Admin(config);
        try
        {
            admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
            {
                [new ConfigResource { Type = ResourceType.Topic, Name = topic }] = [new ConfigEntry { Name = "retention.ms", Value = "3600000", IncrementalOperation = AlterConfigOpType.Set }],
            }).GetAwaiter().GetResult();
            return ErrorCode.NoError;
        }
        catch (IncrementalAlterConfigsException e)
        {
            return e.Results[0].Error.Code;
        }
    }

    private static ErrorCode DescribeTopicConfig(ClientConfig config, string topic)
    {
        using var admin = Admin(config);
        try
        {
            admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }]).GetAwaiter().GetResult();
            return ErrorCode.NoError;
        }
        catch (DescribeConfigsException e)
        {
            return e.Results[0].Error.Code;
        }
    }

    private static ErrorCode CreateAcl(ClientConfig config, AclBinding binding)
    {
        using var admin = Admin(config);
        try
        {
            admin.CreateAclsAsync([binding]).GetAwaiter().GetResult();
            return ErrorCode.NoError;
        }
        catch (CreateAclsException e)
        {
            return e.Results[0].Error.Code;
        }
    }

    private static (ErrorCode Error, List<AclOperation>? Operations) DescribeCluster(ClientConfig config)
    {
        using var admin = Admin(config);
        try
        {
            var cluster = admin.DescribeClusterAsync(new DescribeClusterOptions { IncludeAuthorizedOperations = true }).GetAwaiter().GetResult();
            return (ErrorCode.NoError, cluster.AuthorizedOperations);
        }
        catch (KafkaException e)
        {
            return (e.Error.Code, null);
        }
    }

    private static HashSet<string> VisibleTopics(ClientConfig config)
    {
        using var admin = Admin(config);
        return [.. admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.Where(t => !t.Error.IsError).Select(t => t.Topic)];
    }

    [Fact]
    public async Task Matrix_EachPrincipalGetsWhatItsAclsGrant_AndKafkasErrorOtherwise()
    {
        using var broker = StartBroker();
        var admin = As(broker, "admin");
        var owner = As(broker, "owner");
        var reader = As(broker, "reader", SaslMechanism.ScramSha512);
        var stranger = As(broker, "stranger");

        // The super user sets the scene: ACLs need no ACL for it.
        using (var adminClient = Admin(admin))
        {
            await adminClient.CreateTopicsAsync([new TopicSpecification { Name = Orders, NumPartitions = 1, ReplicationFactor = 1 },
                new TopicSpecification { Name = AppEvents, NumPartitions = 1, ReplicationFactor = 1 }]);
            await adminClient.CreateAclsAsync([
                Allow(ResourceType.Topic, Orders, ResourcePatternType.Literal, "owner", AclOperation.All),
                Allow(ResourceType.Topic, "app-", ResourcePatternType.Prefixed, "owner", AclOperation.All),
                Allow(ResourceType.Topic, Orders, ResourcePatternType.Literal, "reader", AclOperation.Read),
                Allow(ResourceType.Topic, "app-", ResourcePatternType.Prefixed, "reader", AclOperation.Read),
                Allow(ResourceType.Group, "readers", ResourcePatternType.Literal, "reader", AclOperation.Read),
                Allow(ResourceType.Group, "owner-", ResourcePatternType.Prefixed, "owner", AclOperation.Read),
                Deny(ResourceType.Topic, Orders, "owner", AclOperation.Read),
            ]);
            var described = await adminClient.DescribeAclsAsync(new AclBindingFilter
            {
                PatternFilter = new ResourcePatternFilter { Type = ResourceType.Topic, Name = "app-events", ResourcePatternType = ResourcePatternType.Match },
                EntryFilter = new AccessControlEntryFilter { Operation = AclOperation.Any, PermissionType = AclPermissionType.Any },
            });
            Assert.Equal(["User:owner", "User:reader"], described.AclBindings.Select(b => b.Entry.Principal).Order());
        }

        // produce: WRITE on the topic (owner's ALL, literal and prefixed); READ does not grant it.
        Assert.Equal(ErrorCode.NoError, Produce(admin, Orders));
        Assert.Equal(ErrorCode.NoError, Produce(owner, Orders));
        Assert.Equal(ErrorCode.NoError, Produce(owner, AppEvents));
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, Produce(reader, Orders));
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, Produce(stranger, AppEvents));

        // consume: READ on the topic.
        Assert.Equal(ErrorCode.NoError, Consume(reader, Orders));
        Assert.Equal(ErrorCode.NoError, Consume(reader, AppEvents));
        // The owner's DENY READ wins over its ALLOW ALL: it sees the topic, and its fetches are refused.
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, Consume(owner, Orders));

        // join a group and commit: READ on the group (literal for reader, prefixed for owner) and on the topic.
        Assert.Equal(ErrorCode.NoError, JoinAndConsume(reader, "readers", Orders));
        Assert.Equal(ErrorCode.NoError, JoinAndConsume(owner, "owner-app", AppEvents));
        Assert.Equal(ErrorCode.GroupAuthorizationFailed, JoinAndConsume(stranger, "readers", Orders));
        Assert.Equal(ErrorCode.GroupAuthorizationFailed, JoinAndConsume(reader, "owner-app", Orders));

        // Metadata shows only what the principal may DESCRIBE (READ implies it).
        var visible = VisibleTopics(reader);
        Assert.Contains(Orders, visible);
        Assert.Contains(AppEvents, visible);
        Assert.DoesNotContain(Orders, VisibleTopics(stranger));

        // create / alter / describe configs / delete a topic: owner's prefixed ALL covers app-*, not other names.
        Assert.Equal(ErrorCode.NoError, CreateTopic(owner, "app-new"));
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, CreateTopic(owner, "elsewhere"));
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, CreateTopic(reader, "app-readers"));
        Assert.Equal(ErrorCode.NoError, AlterTopicConfig(owner, "app-new"));
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, AlterTopicConfig(reader, Orders));
        Assert.Equal(ErrorCode.NoError, DescribeTopicConfig(owner, Orders));
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, DescribeTopicConfig(reader, Orders));
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, DeleteTopic(reader, "app-new"));
        Assert.Equal(ErrorCode.NoError, DeleteTopic(owner, "app-new"));

        // create ACLs: ALTER on the cluster; a super user has every cluster operation.
        var grant = Allow(ResourceType.Topic, "x", ResourcePatternType.Literal, "stranger", AclOperation.Read);
        Assert.Equal(ErrorCode.ClusterAuthorizationFailed, CreateAcl(owner, grant));
        Assert.Equal(ErrorCode.NoError, CreateAcl(admin, grant));
        var (clusterError, operations) = DescribeCluster(admin);
        Assert.Equal(ErrorCode.NoError, clusterError);
        Assert.Contains(AclOperation.Alter, operations!);
        Assert.Contains(AclOperation.IdempotentWrite, operations!);
        // librdkafka describes the cluster with a Metadata request, which needs no ACL; the stranger may do nothing there.
        var strangerCluster = DescribeCluster(stranger);
        Assert.Equal(ErrorCode.NoError, strangerCluster.Error);
        Assert.Empty(strangerCluster.Operations!);

        // authorized_operations of a topic are the principal's (KIP-430).
        using (var readerAdmin = Admin(reader))
        {
            var topic = (await readerAdmin.DescribeTopicsAsync(TopicCollection.OfTopicNames([Orders]), new DescribeTopicsOptions { IncludeAuthorizedOperations = true }))
                .TopicDescriptions[0];
            Assert.Equal([AclOperation.Read, AclOperation.Describe], topic.AuthorizedOperations.Order());
        }

        // DeleteAcls removes what the filter matches; the reader then no longer even sees the topic.
        using (var adminClient = Admin(admin))
        {
            var deleted = await adminClient.DeleteAclsAsync([new AclBindingFilter
            {
                PatternFilter = new ResourcePatternFilter { Type = ResourceType.Topic, Name = Orders, ResourcePatternType = ResourcePatternType.Literal },
                EntryFilter = new AccessControlEntryFilter { Principal = "User:reader", Operation = AclOperation.Any, PermissionType = AclPermissionType.Any },
            }]);
            Assert.Single(deleted[0].AclBindings);
        }

        Assert.DoesNotContain(Orders, VisibleTopics(reader));
        Assert.Contains(AppEvents, VisibleTopics(reader));
    }

    [Fact]
    public async Task KafkaPythonAndKcat_ProduceAndConsume_AllowedAndDenied()
    {
        using var broker = StartBroker();
        using (var adminClient = Admin(As(broker, "admin")))
        {
            await adminClient.CreateTopicsAsync([new TopicSpecification { Name = Orders, NumPartitions = 1, ReplicationFactor = 1 }]);
            await adminClient.CreateAclsAsync([
                Allow(ResourceType.Topic, "ord", ResourcePatternType.Prefixed, "owner", AclOperation.All),
                Allow(ResourceType.Topic, Orders, ResourcePatternType.Literal, "reader", AclOperation.Read),
            ]);
        }

        var ok = ExternalCommand.Python("kafka_python_sasl.py", broker.BootstrapServers, Orders, "owner", "owner-secret", "10");
        Assert.True(ok.ExitCode == 0, ok.ToString());
        using (var report = JsonDocument.Parse(ok.StandardOutput.Trim().Split('\n')[^1]))
        {
            Assert.Equal(10, report.RootElement.GetProperty("consumed").GetInt32());
        }

        // The reader may describe the topic, so its Produce is refused; the stranger's Metadata already is (error 29 each time),
        // which kafka-python 2.0.2 keeps asking about until max_block_ms, hence its timeout.
        foreach (var (user, error) in new[] { ("reader", "TopicAuthorizationFailedError"), ("stranger", "KafkaTimeoutError") })
        {
            var denied = ExternalCommand.Python("kafka_python_sasl.py", broker.BootstrapServers, Orders, user, user + "-secret", "1");
            Assert.True(denied.ExitCode == 1, denied.ToString());
            using var report = JsonDocument.Parse(denied.StandardOutput.Trim().Split('\n')[^1]);
            Assert.Equal(error, report.RootElement.GetProperty("error").GetString());
        }

        string[] Kcat(string user) => ["-b", broker.BootstrapServers, "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=PLAIN",
            "-X", $"sasl.username={user}", "-X", $"sasl.password={user}-secret"];
        var read = ExternalCommand.Run("kcat", [.. Kcat("reader"), "-C", "-t", Orders, "-p", "0", "-o", "beginning", "-c", "10", "-e"]);
        Assert.True(read.ExitCode == 0, read.ToString());
        Assert.Equal(10, read.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        var strangerRead = ExternalCommand.Run("kcat", [.. Kcat("stranger"), "-C", "-t", Orders, "-p", "0", "-o", "beginning", "-c", "1", "-e"]);
        Assert.Contains("authorization failed", strangerRead.StandardError, StringComparison.OrdinalIgnoreCase);

        var readerWrite = ExternalCommand.Run("kcat", [.. Kcat("reader"), "-P", "-t", Orders, "-p", "0"], "denied\n");
        Assert.Contains("authorization failed", readerWrite.StandardError, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Plaintext_AnonymousNeedsAclsOnceAnyExist_AndAclApisAnswerSecurityDisabledWithoutAnAuthorizer()
    {
        using (var broker = BrokerProcess.Start("authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer", "allow.everyone.if.no.acl.found=false"))
        {
            var anonymous = new ClientConfig { BootstrapServers = broker.BootstrapServers };
            Assert.Equal(ErrorCode.TopicAuthorizationFailed, CreateTopic(anonymous, "anon"));
            Assert.Equal(ErrorCode.ClusterAuthorizationFailed, CreateAcl(anonymous, Allow(ResourceType.Topic, "anon", ResourcePatternType.Literal, "ANONYMOUS", AclOperation.All)));
        }

        using (var broker = BrokerProcess.Start("authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer", "super.users=User:ANONYMOUS"))
        {
            var anonymous = new ClientConfig { BootstrapServers = broker.BootstrapServers };
            Assert.Equal(ErrorCode.NoError, CreateTopic(anonymous, "anon"));
            Assert.Equal(ErrorCode.NoError, Produce(anonymous, "anon"));
        }

        using (var broker = BrokerProcess.Start())
        {
            var anonymous = new ClientConfig { BootstrapServers = broker.BootstrapServers };
            Assert.Equal(ErrorCode.SecurityDisabled, CreateAcl(anonymous, Allow(ResourceType.Topic, "t", ResourcePatternType.Literal, "ANONYMOUS", AclOperation.All)));
            Assert.Equal(ErrorCode.NoError, Produce(anonymous, TestTopics.Unique("no-authorizer")));
        }
    }

    public void Dispose() => File.Delete(_usersFile);
}
