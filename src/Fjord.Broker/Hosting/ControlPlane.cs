using Fjord.Broker.Security;
using Fjord.Broker.Configuration;
using Fjord.Broker.Handlers;
using Fjord.Broker.Fetch;
using Fjord.Broker.Hosting;
using Fjord.Broker.Metrics;
using Fjord.Broker.Producers;
using Fjord.Broker.Replication;
using Fjord.Broker.Topics;
using Fjord.Coordinator;
using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Coordinator.Groups;
using Fjord.Coordinator.Transactions;
using Fjord.Protocol;
using Fjord.Storage;
using Fjord.Metadata;
using Fjord.Raft;
using Fjord.Rpc.Raft;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Balancing;

namespace Fjord.Broker.Hosting;

/// <summary>
/// The control plane every node runs, a one-voter quorum (<c>make run</c>) as much as a cluster: the rpc listener
/// (HTTP/2, gRPC raft transport, controller, quorum membership and admin services), the metadata quorum, the
/// controller host, the broker lifecycle and the metadata publisher that opens and deletes partition logs; partition
/// leadership comes from the image, consumer groups live on the leaders of the replicated <c>__consumer_offsets</c>
/// partitions, producer ids come from controller-allocated blocks (KIP-730), and the Metadata, DescribeCluster,
/// topic, partition, reassignment, config and FindCoordinator handlers answer from the metadata image and the controller.
/// Called once by <see cref="Hosting.BrokerHost"/> while composing the host.
/// </summary>
public static class ControlPlane
{
    /// <summary>Adds the control plane's services for the quorum <paramref name="config"/> names (or this node alone).</summary>
    public static void Add(WebApplicationBuilder builder, BrokerConfig config)
    {
        var voters = ClusterVoters.Of(config);
        DataDirMigration.RefuseInCluster(config, voters);
        var rpcListen = HostPort.TryParse(config.GetString("rpc.listen"), out var rpc)
            ? rpc
            : throw new ConfigException($"rpc.listen: expected host:port, got '{config.GetString("rpc.listen")}'");
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(rpcListen.ToBindEndPoint(), listen => listen.Protocols = HttpProtocols.Http2));

        var services = builder.Services;
        services.AddGrpc();
        services.AddSingleton(voters);
        services.AddSingleton(new ClusterConfigResolver(config.NodeId, config));
        services.AddSingleton<IConfigValidator>(sp => new ClusterConfigValidator(sp.GetRequiredService<GroupCoordinatorConfig>()));
        services.AddSingleton(sp => new BrokerMetadataPublisher(config.NodeId, sp.GetRequiredService<LogManager>(), sp.GetRequiredService<TopicRegistry>(),
            sp.GetRequiredService<ClusterConfigResolver>(), sp.GetRequiredService<ILogger<BrokerMetadataPublisher>>()));
        // Lazy: the controller and its channels need the metadata quorum, which needs the replica manager as a publisher.
        services.AddSingleton(sp => new AlterPartitionManager(config.NodeId, new Lazy<ControllerChannels>(sp.GetRequiredService<ControllerChannels>),
            new Lazy<ControllerHost>(sp.GetRequiredService<ControllerHost>), sp.GetRequiredService<LocalBrokerRegistration>(),
            sp.GetRequiredService<ILogger<AlterPartitionManager>>()));
        services.AddSingleton(sp => ReplicationQuotas.FromConfig(config, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new ReplicaManager(config.NodeId, sp.GetRequiredService<LogManager>(), sp.GetRequiredService<PartitionAppendNotifier>(),
            sp.GetRequiredService<BrokerMetrics>(), sp.GetRequiredService<AlterPartitionManager>(), TimeSpan.FromMilliseconds(config.GetLong("replica.lag.time.max.ms")),
            sp.GetRequiredService<ReplicationQuotas>(), config.RackAwareReplicaSelector, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IPartitionReplication>(sp => sp.GetRequiredService<ReplicaManager>());
        services.AddHostedService(sp => sp.GetRequiredService<ReplicaManager>());
        // Consumer groups: __consumer_offsets is a replicated topic of the image; this node coordinates the groups
        // of the partitions it leads (loaded and unloaded by a publisher placed after the replica manager).
        services.AddSingleton<IConsumerOffsetsLog>(sp => new ClusterCoordinatorLog(ConsumerOffsetsPartitioner.TopicName, new Lazy<MetadataQuorum>(sp.GetRequiredService<MetadataQuorum>),
            sp.GetRequiredService<TopicRegistry>(), sp.GetRequiredService<IPartitionReplication>(), sp.GetRequiredService<PartitionAppendNotifier>(),
            TimeSpan.FromMilliseconds(config.GetInt("offsets.commit.timeout.ms"))));
        services.AddSingleton(sp => new GroupCoordinatorService(
            sp.GetRequiredService<GroupCoordinatorConfig>(), sp.GetRequiredService<IConsumerOffsetsLog>(), sp.GetRequiredService<ITopicPartitionView>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<GroupCoordinatorService>>(), leadsEveryPartition: false,
            groupConfigs: new ImageConsumerGroupConfigs(new Lazy<MetadataQuorum>(sp.GetRequiredService<MetadataQuorum>))));
        services.AddHostedService(sp => sp.GetRequiredService<GroupCoordinatorService>());
        TransactionServices.Add(services, config);
        services.AddSingleton(sp => new CoordinatorTopics(
            new InternalTopicCreator(sp.GetRequiredService<ControllerHost>(), sp.GetRequiredService<ControllerForwarder>(),
                new InternalTopic(ConsumerOffsetsPartitioner.TopicName, config.OffsetsTopicNumPartitions, OffsetsTopicReplicationFactorOf(config, voters)),
                sp.GetRequiredService<ILogger<InternalTopicCreator>>()),
            new InternalTopicCreator(sp.GetRequiredService<ControllerHost>(), sp.GetRequiredService<ControllerForwarder>(),
                TransactionServices.StateTopic(config, voters), sp.GetRequiredService<ILogger<InternalTopicCreator>>())));
        // The replica manager publishes after the log publisher, so the logs it replicates are open; the group
        // coordinator's publisher comes last, so it appends only to partitions the replica manager already leads.
        services.AddSingleton(sp => new MetadataQuorum(config, voters, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>(),
            [sp.GetRequiredService<BrokerMetadataPublisher>(), new ReplicationQuotaConfigPublisher(sp.GetRequiredService<ClusterConfigResolver>(), sp.GetRequiredService<ReplicationQuotas>()),
                sp.GetRequiredService<ReplicaManager>(), GroupCoordinatorPublisher(config, sp.GetRequiredService<GroupCoordinatorService>()),
                TransactionServices.Publisher(config, sp.GetRequiredService<TransactionCoordinatorService>())],
            sp.GetRequiredService<QuorumMetrics>()));
        services.AddSingleton<IPartitionLeadership, ClusterPartitionLeadership>();
        services.AddSingleton(_ => KeepsRandomClusterId(voters, config) ? ClusterIdentity.LoadOrCreate(config.DataDir, config.NodeId) : ClusterIdentityOf(voters, config));
        services.AddSingleton(_ => DataDirectoryId.LoadOrCreate(config.DataDir));
        services.AddSingleton<IRaftInbox>(sp => sp.GetRequiredService<MetadataQuorum>().Driver);
        services.AddSingleton<RaftStreamLifetime>();
        services.AddSingleton(sp => new RaftTransportService(sp.GetRequiredService<IRaftInbox>(), sp.GetRequiredService<RaftStreamLifetime>()));
        services.AddSingleton(new QuorumControllerOptions
        {
            DefaultPartitions = config.NumPartitions,
            DefaultReplicationFactor = config.DefaultReplicationFactor,
            BrokerSessionTimeout = TimeSpan.FromMilliseconds(config.GetInt("broker.session.timeout.ms")),
            UncleanLeaderElectionEnable = config.GetBool("unclean.leader.election.enable"),
            AutoLeaderRebalanceEnable = config.GetBool("auto.leader.rebalance.enable"),
            LeaderImbalanceCheckInterval = TimeSpan.FromSeconds(config.GetLong("leader.imbalance.check.interval.seconds")),
        });
        services.AddSingleton<ControllerHost>();
        services.AddSingleton<ControllerChannels>();
        services.AddSingleton<BalanceExecutor>();
        services.AddSingleton<LocalBrokerRegistration>();
        services.AddSingleton<IReadinessCondition>(sp => sp.GetRequiredService<LocalBrokerRegistration>());
        services.AddSingleton<DataDirMigration>();
        services.AddSingleton<IReadinessCondition>(sp => sp.GetRequiredService<DataDirMigration>());
        // KIP-841: controlled shutdown runs inside the host's shutdown; leave the other services time after it.
        services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o =>
            o.ShutdownTimeout = BrokerLifecycleService.ControlledShutdownTimeoutOf(config) + TimeSpan.FromSeconds(20));
        services.AddSingleton<ControllerForwarder>();
        services.AddSingleton<QuorumVoterChanges>();
        services.AddSingleton<ControllerRequestRouter>();
        // KIP-730: producer ids come from controller-allocated blocks.
        services.AddSingleton<IProducerIdBlockAllocator, ControllerProducerIdAllocator>();
        services.AddSingleton<IProducerIdSource, PrefetchingProducerIdSource>();
        services.AddHostedService(sp => sp.GetRequiredService<ControllerHost>());
        services.AddHostedService<BrokerLifecycleService>();
        services.AddHostedService<LearnerJoinService>();
        services.AddHostedService(sp => sp.GetRequiredService<DataDirMigration>());
        services.AddSingleton<IClusterMembership, QuorumMembership>();

        services.AddSingleton(sp => BrokerAuthorizer.Create(config, sp.GetRequiredService<KafkaListenerSecurity>(), () => sp.GetRequiredService<MetadataQuorum>().StateMachine.Image));
        services.AddSingleton<RequestAuthorization>();
        services.AddSingleton<IApiHandler, CreateAclsHandler>();
        services.AddSingleton<IApiHandler, DescribeAclsHandler>();
        services.AddSingleton<IApiHandler, DeleteAclsHandler>();
        services.AddSingleton<IApiHandler, DescribeUserScramCredentialsHandler>();
        services.AddSingleton<IApiHandler, AlterUserScramCredentialsHandler>();
        services.AddSingleton<IApiHandler, MetadataHandler>();
        services.AddSingleton<IApiHandler, CreateTopicsHandler>();
        services.AddSingleton<IApiHandler, DeleteTopicsHandler>();
        services.AddSingleton<IApiHandler, CreatePartitionsHandler>();
        services.AddSingleton<IApiHandler, ElectLeadersHandler>();
        services.AddSingleton<IApiHandler, AlterPartitionReassignmentsHandler>();
        services.AddSingleton<IApiHandler, ListPartitionReassignmentsHandler>();
        services.AddSingleton<IApiHandler, DescribeConfigsHandler>();
        services.AddSingleton<IApiHandler, AlterConfigsHandler>();
        services.AddSingleton<IApiHandler, IncrementalAlterConfigsHandler>();
        services.AddSingleton<IApiHandler, Handlers.Groups.FindCoordinatorHandler>();
    }

    private static CoordinatorLeadershipPublisher GroupCoordinatorPublisher(BrokerConfig config, GroupCoordinatorService groups)
        => new(config.NodeId, ConsumerOffsetsPartitioner.TopicName, groups.OnBecameLeader, groups.OnResigned);

    /// <summary>
    /// <c>offsets.topic.replication.factor</c>; its default is capped at 1 in a one-voter quorum, so <c>make run</c> gets
    /// consumer groups without setting it (as Kafka does on a single broker). A value set explicitly is kept: a quorum
    /// that bootstraps with one voter may still have many brokers (its learners), as an operator-made cluster does.
    /// </summary>
    internal static short OffsetsTopicReplicationFactorOf(BrokerConfig config, ClusterVoters voters)
        => InternalTopicReplicationFactorOf(config, voters, "offsets.topic.replication.factor");

    /// <summary>An internal topic's replication factor config, capped at 1 in a one-voter quorum unless set explicitly.</summary>
    internal static short InternalTopicReplicationFactorOf(BrokerConfig config, ClusterVoters voters, string key)
        => voters.IsSingleVoter && !config.ExplicitKeys.Contains(key) ? (short)1 : (short)config.GetInt(key);

    /// <summary>
    /// One cluster id for every node, known before the metadata log has a leader: derived from the sorted
    /// voter set (<c>id@host:port,...</c>) as the first 16 bytes of its SHA-256, in Kafka's base64url Uuid form.
    /// Every node computes the same id without talking to the others; a cluster started again with the same
    /// voters keeps its id. A one-voter quorum of <c>make run</c> keeps the random id of its meta.properties instead
    /// (<see cref="KeepsRandomClusterId"/>). The voters are the bootstrap list, which stays as the cluster was created
    /// while voters are added and removed (KIP-853), so the id does too.
    /// </summary>
    internal static ClusterIdentity ClusterIdentityOf(ClusterVoters voters, BrokerConfig config)
    {
        var text = string.Join(',', voters.Voters.OrderBy(v => v.Key).Select(v => $"{v.Key}@{v.Value}"));
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text));
        var id = new Uuid(System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(hash), System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(hash.AsSpan(8)));
        return new ClusterIdentity(id.ToString(), config.NodeId);
    }

    /// <summary>
    /// A quorum of this node alone keeps the random cluster id of its meta.properties: always without <c>--voters</c>,
    /// and with <c>--voters</c> naming only this node when its data dir already has one (written before such a quorum
    /// could grow). A new one-voter cluster named by <c>--voters</c> derives its id from the list instead, so nodes that
    /// join it as learners (and may become voters) compute the same id.
    /// </summary>
    internal static bool KeepsRandomClusterId(ClusterVoters voters, BrokerConfig config) =>
        voters.IsSingleVoter && voters.Voters.ContainsKey(config.NodeId)
        && (!voters.Configured || File.Exists(Path.Combine(config.DataDir, ClusterIdentity.FileName)));

    /// <summary>Maps the gRPC services; call after <see cref="Add"/>.</summary>
    public static void Map(WebApplication app)
    {
        app.MapGrpcService<RaftTransportService>();
        app.MapGrpcService<ControllerGrpcService>();
        app.MapGrpcService<QuorumMembershipGrpcService>();
        app.MapGrpcService<AdminGrpcService>();
        app.Services.GetRequiredService<QuorumMetrics>().Attach(app.Services.GetRequiredService<MetadataQuorum>(), app.Services.GetRequiredService<ControllerHost>());
    }
}
