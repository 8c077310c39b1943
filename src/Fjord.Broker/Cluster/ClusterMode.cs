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
using Fjord.Protocol;
using Fjord.Storage;
using Fjord.Metadata;
using Fjord.Raft;
using Fjord.Rpc.Raft;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Fjord.Broker.Cluster;

/// <summary>
/// Cluster mode, entered only when <c>--voters</c> names more than one node (this node among them, or a
/// learner that follows their metadata log): adds the rpc listener
/// (HTTP/2, gRPC raft transport, controller, quorum membership and admin services), the metadata quorum, the controller host and
/// the broker lifecycle and the metadata publisher that opens and deletes partition logs, makes
/// partition leadership come from the image, makes consumer groups live on the leaders of the replicated
/// <c>__consumer_offsets</c> partitions, takes producer ids from controller-allocated blocks (KIP-730), and
/// swaps the Metadata, DescribeCluster, CreateTopics, DeleteTopics, CreatePartitions, ElectLeaders,
/// FindCoordinator, partition-reassignment and config (DescribeConfigs, AlterConfigs, IncrementalAlterConfigs)
/// handlers for ones backed by the metadata image and the controller. Everything else is the single-node broker as is.
/// Called once by <see cref="Hosting.BrokerHost"/> while composing the host.
/// </summary>
public static class ClusterMode
{
    /// <summary>Adds cluster services when <paramref name="config"/> asks for a cluster; returns whether it did.</summary>
    public static bool Configure(WebApplicationBuilder builder, BrokerConfig config)
    {
        if (!ClusterVoters.IsClusterMode(config, out var voters)) return false;
        var rpcListen = HostPort.TryParse(config.GetString("rpc.listen"), out var rpc)
            ? rpc
            : throw new ConfigException($"rpc.listen: expected host:port, got '{config.GetString("rpc.listen")}'");
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(rpcListen.ToBindEndPoint(), listen => listen.Protocols = HttpProtocols.Http2));

        var services = builder.Services;
        services.AddGrpc();
        services.AddSingleton(voters!);
        services.AddSingleton(new ClusterConfigResolver(config.NodeId, config));
        services.AddSingleton<IConfigValidator>(ClusterConfigValidator.Instance);
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
        services.RemoveAll<IConsumerOffsetsLog>();
        services.AddSingleton<IConsumerOffsetsLog>(sp => new ClusterConsumerOffsetsLog(new Lazy<MetadataQuorum>(sp.GetRequiredService<MetadataQuorum>),
            sp.GetRequiredService<TopicRegistry>(), sp.GetRequiredService<IPartitionReplication>(), sp.GetRequiredService<PartitionAppendNotifier>(),
            TimeSpan.FromMilliseconds(config.GetInt("offsets.commit.timeout.ms"))));
        services.RemoveAll<GroupCoordinatorService>();
        services.AddSingleton(sp => new GroupCoordinatorService(
            sp.GetRequiredService<GroupCoordinatorConfig>(), sp.GetRequiredService<IConsumerOffsetsLog>(), sp.GetRequiredService<ITopicPartitionView>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<GroupCoordinatorService>>(), leadsEveryPartition: false));
        services.AddSingleton(sp => new GroupCoordinatorLeadershipPublisher(config.NodeId, sp.GetRequiredService<GroupCoordinatorService>()));
        services.AddSingleton(sp => new ConsumerOffsetsTopicCreator(sp.GetRequiredService<ControllerHost>(), sp.GetRequiredService<ControllerForwarder>(),
            config.OffsetsTopicNumPartitions, (short)config.GetInt("offsets.topic.replication.factor"), sp.GetRequiredService<ILogger<ConsumerOffsetsTopicCreator>>()));
        // The replica manager publishes after the log publisher, so the logs it replicates are open; the group
        // coordinator's publisher comes last, so it appends only to partitions the replica manager already leads.
        services.AddSingleton(sp => new MetadataQuorum(config, voters!, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>(),
            [sp.GetRequiredService<BrokerMetadataPublisher>(), new ReplicationQuotaConfigPublisher(sp.GetRequiredService<ClusterConfigResolver>(), sp.GetRequiredService<ReplicationQuotas>()),
                sp.GetRequiredService<ReplicaManager>(), sp.GetRequiredService<GroupCoordinatorLeadershipPublisher>()],
            sp.GetRequiredService<QuorumMetrics>()));
        services.AddSingleton<IPartitionLeadership, ClusterPartitionLeadership>();
        services.AddSingleton(ClusterIdentityOf(voters!, config));
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
        services.AddSingleton<LocalBrokerRegistration>();
        services.AddSingleton<IReadinessCondition>(sp => sp.GetRequiredService<LocalBrokerRegistration>());
        // KIP-841: controlled shutdown runs inside the host's shutdown; leave the other services time after it.
        services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o =>
            o.ShutdownTimeout = BrokerLifecycleService.ControlledShutdownTimeoutOf(config) + TimeSpan.FromSeconds(20));
        services.AddSingleton<ControllerForwarder>();
        services.AddSingleton<ControllerRequestRouter>();
        // KIP-730: producer ids come from controller-allocated blocks, never from this node's own file.
        services.RemoveAll<IProducerIdSource>();
        services.AddSingleton<IProducerIdBlockAllocator, ControllerProducerIdAllocator>();
        services.AddSingleton<IProducerIdSource, PrefetchingProducerIdSource>();
        services.AddHostedService(sp => sp.GetRequiredService<ControllerHost>());
        services.AddHostedService<BrokerLifecycleService>();
        services.AddHostedService<LearnerJoinService>();

        Replace<MetadataHandler, ClusterMetadataHandler>(services);
        services.AddSingleton<IClusterMembership, QuorumMembership>();
        Replace<CreateTopicsHandler, ClusterCreateTopicsHandler>(services);
        Replace<DeleteTopicsHandler, ClusterDeleteTopicsHandler>(services);
        Replace<CreatePartitionsHandler, ClusterCreatePartitionsHandler>(services);
        Replace<ElectLeadersHandler, ClusterElectLeadersHandler>(services);
        Replace<AlterPartitionReassignmentsHandler, ClusterAlterPartitionReassignmentsHandler>(services);
        Replace<ListPartitionReassignmentsHandler, ClusterListPartitionReassignmentsHandler>(services);
        Replace<DescribeConfigsHandler, ClusterDescribeConfigsHandler>(services);
        Replace<AlterConfigsHandler, ClusterAlterConfigsHandler>(services);
        Replace<IncrementalAlterConfigsHandler, ClusterIncrementalAlterConfigsHandler>(services);
        Replace<Handlers.Groups.FindCoordinatorHandler, ClusterFindCoordinatorHandler>(services);
        return true;
    }

    /// <summary>
    /// One cluster id for every node, known before the metadata log has a leader: derived from the sorted
    /// voter set (<c>id@host:port,...</c>) as the first 16 bytes of its SHA-256, in Kafka's base64url Uuid form.
    /// Every node computes the same id without talking to the others; a cluster started again with the same
    /// voters keeps its id. The single-node random id in meta.properties is not used in cluster mode.
    /// </summary>
    internal static ClusterIdentity ClusterIdentityOf(ClusterVoters voters, BrokerConfig config)
    {
        var text = string.Join(',', voters.Voters.OrderBy(v => v.Key).Select(v => $"{v.Key}@{v.Value}"));
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text));
        var id = new Uuid(System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(hash), System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(hash.AsSpan(8)));
        return new ClusterIdentity(id.ToString(), config.NodeId);
    }

    /// <summary>Maps the gRPC services; call after <see cref="Configure"/> returned true.</summary>
    public static void Map(WebApplication app)
    {
        app.MapGrpcService<RaftTransportService>();
        app.MapGrpcService<ControllerGrpcService>();
        app.MapGrpcService<QuorumMembershipGrpcService>();
        app.MapGrpcService<AdminGrpcService>();
        app.Services.GetRequiredService<QuorumMetrics>().Attach(app.Services.GetRequiredService<MetadataQuorum>(), app.Services.GetRequiredService<ControllerHost>());
    }

    private static void Replace<TOld, TNew>(IServiceCollection services)
        where TNew : class, IApiHandler
    {
        for (var i = services.Count - 1; i >= 0; i--)
            if (services[i].ServiceType == typeof(IApiHandler) && services[i].ImplementationType == typeof(TOld)) services.RemoveAt(i);
        services.AddSingleton<IApiHandler, TNew>();
    }
}
