using Fjord.Metadata.Features;
using Fjord.Broker.Configuration;
using Fjord.Broker.Fetch;
using Fjord.Broker.Groups;
using Fjord.Broker.Handlers;
using Fjord.Broker.Handlers.Transactions;
using Fjord.Broker.Producers;
using Fjord.Broker.Publishers;
using Fjord.Broker.Quorum;
using Fjord.Broker.Transactions;
using Fjord.Broker.Replication;
using Fjord.Broker.Topics;
using Fjord.Coordinator.Transactions;
using Fjord.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fjord.Broker.Hosting;

/// <summary>
/// Transactions (KIP-98) on every node: the transaction coordinator over the replicated <c>__transaction_state</c>
/// topic (this node coordinates the transactional ids of the partitions it leads, like the group coordinator), the
/// marker channel to partition leaders, and the transactional APIs' handlers. Called once by <see cref="ControlPlane"/>.
/// </summary>
public static class TransactionServices
{
    /// <summary>Kafka's request.timeout.ms default: how long a __transaction_state write waits for the ISR.</summary>
    private static readonly TimeSpan s_stateWriteTimeout = TimeSpan.FromSeconds(30);

    public static void Add(IServiceCollection services, BrokerConfig config)
    {
        services.AddSingleton(CoordinatorConfigOf(config));
        // The image comes through a function: the metadata quorum is built after the coordinator it publishes to.
        services.AddSingleton(new BrokerChannels(config.NodeId));
        services.AddSingleton(sp => new TransactionMarkerChannel(sp.GetRequiredService<BrokerChannels>(), () => sp.GetRequiredService<MetadataQuorum>().StateMachine.Image,
            sp.GetRequiredService<ILogger<TransactionMarkerChannel>>()));
        services.AddSingleton(sp => new TransactionCoordinatorService(
            sp.GetRequiredService<TransactionCoordinatorConfig>(),
            new ClusterCoordinatorLog(TransactionCoordinatorConfig.TopicName, new Lazy<MetadataQuorum>(sp.GetRequiredService<MetadataQuorum>), sp.GetRequiredService<TopicRegistry>(),
                sp.GetRequiredService<IPartitionReplication>(), sp.GetRequiredService<PartitionAppendNotifier>(), s_stateWriteTimeout),
            sp.GetRequiredService<TransactionMarkerChannel>(),
            NextProducerId(sp.GetRequiredService<IProducerIdSource>),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<TransactionCoordinatorService>>(),
            leadsEveryPartition: false));
        services.AddHostedService(sp => sp.GetRequiredService<TransactionCoordinatorService>());
        services.AddSingleton<IApiHandler, AddPartitionsToTxnHandler>();
        services.AddSingleton<IApiHandler, AddOffsetsToTxnHandler>();
        services.AddSingleton<IApiHandler, EndTxnHandler>();
        services.AddSingleton<IApiHandler, TxnOffsetCommitHandler>();
        services.AddSingleton<IApiHandler, WriteTxnMarkersHandler>();
        services.AddSingleton<IApiHandler, DescribeTransactionsHandler>();
        services.AddSingleton<IApiHandler, ListTransactionsHandler>();
        services.AddSingleton<IApiHandler, DescribeProducersHandler>();

        // KIP-890 part 1: leaders verify with the coordinator before a batch opens a transaction (Kafka's
        // transaction.partition.verification.enable, default true; off only to reproduce hanging transactions). Part 2:
        // leaders add a version 2 client's partitions through the same verifier, so it exists either way.
        services.AddSingleton(sp => new TransactionVerifier(config.NodeId, sp.GetRequiredService<TransactionCoordinatorService>(), sp.GetRequiredService<BrokerChannels>(),
            () => sp.GetRequiredService<MetadataQuorum>().StateMachine.Image, sp.GetRequiredService<ILogger<TransactionVerifier>>(),
            verifiesPartitions: config.GetBool("transaction.partition.verification.enable")));
    }

    /// <summary>
    /// <c>__transaction_state</c>: <c>transaction.state.log.num.partitions</c> partitions, its replication factor (1 in a
    /// one-voter quorum unless set, as <c>__consumer_offsets</c>) and <c>min.insync.replicas</c> =
    /// <c>transaction.state.log.min.isr</c> capped at that factor, so <c>make run</c> can commit transactions.
    /// </summary>
    public static InternalTopic StateTopic(BrokerConfig config, ClusterVoters voters)
    {
        var replicationFactor = ControlPlane.InternalTopicReplicationFactorOf(config, voters, "transaction.state.log.replication.factor");
        var minIsr = Math.Min(config.GetInt("transaction.state.log.min.isr"), replicationFactor);
        return new InternalTopic(TransactionCoordinatorConfig.TopicName, config.GetInt("transaction.state.log.num.partitions"), replicationFactor,
            new Dictionary<string, string> { [LogConfig.MinInSyncReplicasName] = minIsr.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    /// <summary>The transaction coordinator's publisher: loads and unloads the <c>__transaction_state</c> partitions this node leads.</summary>
    public static CoordinatorLeadershipPublisher Publisher(BrokerConfig config, TransactionCoordinatorService coordinator)
        => new(config.NodeId, TransactionCoordinatorConfig.TopicName, coordinator.OnBecameLeader, coordinator.OnResigned);

    private static TransactionCoordinatorConfig CoordinatorConfigOf(BrokerConfig config) => new()
    {
        TransactionStateLogNumPartitions = config.GetInt("transaction.state.log.num.partitions"),
        TransactionMaxTimeoutMs = config.GetInt("transaction.max.timeout.ms"),
        TransactionalIdExpirationMs = config.GetLong("transactional.id.expiration.ms"),
        TransactionAbortTimedOutTransactionCleanupIntervalMs = config.GetLong("transaction.abort.timed.out.transaction.cleanup.interval.ms"),
        TransactionRemoveExpiredTransactionCleanupIntervalMs = config.GetLong("transaction.remove.expired.transaction.cleanup.interval.ms"),
        OffsetsTopicNumPartitions = config.OffsetsTopicNumPartitions,
        // The transaction.version a new cluster finalizes (SupportedFeatures.NewClusterLevels): 2, as Kafka 4.0. Each
        // request still picks its own behaviour (EndTxn v5, Produce v12, TxnOffsetCommit v5 are version 2; older ones
        // keep the KIP-98 protocol); the cluster level decides the fencing abort's extra bump and the log value layout.
        TransactionVersion = (short)SupportedFeatures.NewClusterLevels[SupportedFeatures.TransactionVersion],
    };

    /// <summary>Resolved at first use: the producer id source reaches the controller, which needs the metadata quorum this coordinator is a publisher of.</summary>
    private static Func<CancellationToken, ValueTask<(Protocol.Errors.ErrorCode Error, long ProducerId)>> NextProducerId(Func<IProducerIdSource> source)
        => async cancel =>
        {
            var grant = await source().NextProducerIdAsync(cancel).ConfigureAwait(false);
            return (grant.Error, grant.ProducerId);
        };
}
