using Fjord.Broker.Configuration;
using Fjord.Broker.Fetch;
using Fjord.Broker.Handlers;
using Fjord.Broker.Handlers.Groups;
using Fjord.Broker.Metrics;
using Fjord.Broker.Network;
using Fjord.Broker.Producers;
using Fjord.Broker.Topics;
using Fjord.Coordinator;
using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Coordinator.Groups;
using Fjord.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fjord.Broker.Hosting;

/// <summary>
/// Composition root: wires configuration, storage, topic catalogue and API handlers into a
/// Kestrel host with the Kafka listener and the HTTP listener. Called once from Main.
/// </summary>
public static class BrokerHost
{
    public static WebApplication Build(BrokerConfig config)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (config.JsonLogs)
        {
            builder.Logging.AddJsonConsole(o => o.IncludeScopes = true);
            builder.Logging.AddNodeIdScope(config.NodeId);
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff ";
                o.UseUtcTimestamp = true;
            });
        }

        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(config.KafkaListen.ToBindEndPoint(), listen => listen.UseConnectionHandler<KafkaConnectionHandler>());
            kestrel.Listen(config.HttpListen.ToBindEndPoint(), listen => listen.Protocols = HttpProtocols.Http1);
        });

        var services = builder.Services;
        services.AddSingleton(config);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new TopicStore(config.DataDir));
        services.AddSingleton(sp => OpenLogs(config, sp));
        services.AddSingleton<TopicConfigResolver>();
        services.AddSingleton<TopicRegistry>();
        services.AddSingleton<IPartitionLeadership>(SingleNodeLeadership.Instance);
        services.AddSingleton<IClusterMembership, SingleNodeMembership>();
        services.AddSingleton(sp => ClusterIdentity.LoadOrCreate(config.DataDir, config.NodeId));
        services.AddSingleton<IProducerIdSource>(sp => new FileProducerIdSource(config.DataDir));
        services.AddSingleton<PartitionAppendNotifier>();
        services.AddSingleton<FetchSessionCache>();
        services.AddSingleton<BrokerReadiness>();
        services.AddFjordMetrics(config);

        services.AddSingleton<IApiHandler, ProduceHandler>();
        services.AddSingleton<IApiHandler, FetchHandler>();
        services.AddSingleton<IApiHandler, ListOffsetsHandler>();
        services.AddSingleton<IApiHandler, OffsetForLeaderEpochHandler>();
        services.AddSingleton<IApiHandler, DeleteRecordsHandler>();
        services.AddSingleton<IApiHandler, DescribeLogDirsHandler>();
        services.AddSingleton<IApiHandler, MetadataHandler>();
        services.AddSingleton<IApiHandler, CreateTopicsHandler>();
        services.AddSingleton<IApiHandler, DeleteTopicsHandler>();
        services.AddSingleton<IApiHandler, CreatePartitionsHandler>();
        services.AddSingleton<IApiHandler, DescribeConfigsHandler>();
        services.AddSingleton<IApiHandler, AlterConfigsHandler>();
        services.AddSingleton<IApiHandler, IncrementalAlterConfigsHandler>();
        services.AddSingleton<IApiHandler, DescribeClusterHandler>();
        services.AddSingleton<IApiHandler, InitProducerIdHandler>();
        services.AddSingleton<IApiHandler, ElectLeadersHandler>();
        services.AddSingleton<IApiHandler, AlterPartitionReassignmentsHandler>();
        services.AddSingleton<IApiHandler, ListPartitionReassignmentsHandler>();

        services.AddSingleton(GroupCoordinatorConfigs.FromBrokerConfig(config));
        services.AddSingleton<IConsumerOffsetsLog, ConsumerOffsetsTopicLog>();
        services.AddSingleton<ITopicPartitionView, TopicRegistryPartitionView>();
        services.AddSingleton(sp => new GroupCoordinatorService(
            sp.GetRequiredService<GroupCoordinatorConfig>(), sp.GetRequiredService<IConsumerOffsetsLog>(),
            sp.GetRequiredService<ITopicPartitionView>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<GroupCoordinatorService>>()));
        services.AddHostedService(sp => sp.GetRequiredService<GroupCoordinatorService>());
        services.AddSingleton<IApiHandler, FindCoordinatorHandler>();
        services.AddSingleton<IApiHandler, JoinGroupHandler>();
        services.AddSingleton<IApiHandler, SyncGroupHandler>();
        services.AddSingleton<IApiHandler, HeartbeatHandler>();
        services.AddSingleton<IApiHandler, LeaveGroupHandler>();
        services.AddSingleton<IApiHandler, OffsetCommitHandler>();
        services.AddSingleton<IApiHandler, OffsetFetchHandler>();
        services.AddSingleton<IApiHandler, DescribeGroupsHandler>();
        services.AddSingleton<IApiHandler, ListGroupsHandler>();
        services.AddSingleton<IApiHandler, DeleteGroupsHandler>();
        services.AddSingleton<IApiHandler, OffsetDeleteHandler>();
        services.AddSingleton<ApiHandlerRegistry>();
        var clusterMode = Cluster.ClusterMode.Configure(builder, config);

        var app = builder.Build();
        if (clusterMode)
        {
            Cluster.ClusterMode.Map(app);
        }

        var readiness = app.Services.GetRequiredService<BrokerReadiness>();
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", () => readiness.IsReady ? Results.Text("ready\n") : Results.Text("not ready\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapFjordMetrics();

        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStarted.Register(readiness.MarkListening);
        lifetime.ApplicationStopping.Register(readiness.MarkStopping);
        return app;
    }

    /// <summary>
    /// Opens every partition log in the data directory, each with its topic's stored configs, so
    /// recovery and retention use the right settings from the first moment.
    /// </summary>
    private static LogManager OpenLogs(BrokerConfig config, IServiceProvider services)
    {
        var resolver = services.GetRequiredService<TopicConfigResolver>();
        var stored = services.GetRequiredService<TopicStore>().Load().ToDictionary(t => t.Name, StringComparer.Ordinal);
        var defaults = LogConfig.FromProperties(resolver.EffectiveProperties(new Dictionary<string, string>()));
        return new LogManager(config.DataDir, defaults, new LogManagerOptions
        {
            TimeProvider = services.GetRequiredService<TimeProvider>(),
            LoggerFactory = services.GetRequiredService<ILoggerFactory>(),
            TopicConfig = topic => stored.TryGetValue(topic, out var metadata)
                ? LogConfig.FromProperties(resolver.EffectiveProperties(metadata.ConfigOverrides))
                : defaults,
        });
    }

    /// <summary>Opens the logs and the topic catalogue before the listeners accept anyone.</summary>
    public static void LoadState(WebApplication app)
    {
        var config = app.Services.GetRequiredService<BrokerConfig>();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Fjord.Broker");
        foreach (var key in config.UnknownKeys)
        {
            BrokerHostLog.UnknownConfig(log, key);
        }

        app.Services.GetRequiredService<TopicRegistry>().Load();
        var identity = app.Services.GetRequiredService<ClusterIdentity>();
        BrokerHostLog.Starting(log, config.NodeId, identity.ClusterId, config.KafkaListen.ToString(), config.KafkaAdvertised.ToString(), config.HttpListen.ToString(), config.DataDir);
    }
}

/// <summary>Startup log lines of the broker host.</summary>
internal static partial class BrokerHostLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "Ignoring unknown config '{Key}'")]
    public static partial void UnknownConfig(ILogger logger, string key);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Fjord node {NodeId} of cluster {ClusterId}: kafka on {Kafka} (advertised {Advertised}), http on {Http}, data in {DataDir}")]
    public static partial void Starting(ILogger logger, int nodeId, string clusterId, string kafka, string advertised, string http, string dataDir);
}
