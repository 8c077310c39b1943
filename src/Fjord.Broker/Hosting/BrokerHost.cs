using Fjord.Broker.ClientMetrics;
using Fjord.Broker.Configuration;
using Fjord.Broker.Fetch;
using Fjord.Broker.Handlers;
using Fjord.Broker.Handlers.Groups;
using Fjord.Broker.Metrics;
using Fjord.Broker.Network;
using Fjord.Broker.Producers;
using Fjord.Broker.Security;
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
using Fjord.Broker.Groups;

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
        // A listener that cannot bind is reported by Program in one line; the host's own report of it is a stack
        // trace at Error. A background service that stops the host is still logged, at Critical.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));

        var security = KafkaListenerSecurity.Load(config);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(config.KafkaListen.ToBindEndPoint(), listen =>
            {
                if (security.Tls is { } tls)
                {
                    listen.UseHttps(tls);
                }

                listen.UseConnectionHandler<KafkaConnectionHandler>();
            });
            kestrel.Listen(config.HttpListen.ToBindEndPoint(), listen => listen.Protocols = HttpProtocols.Http1);
        });

        var services = builder.Services;
        services.AddSingleton(config);
        services.AddSingleton(security);
        services.AddSingleton<SaslAuthenticator>();
        services.AddSingleton<IApiHandler, SaslHandshakeHandler>();
        services.AddSingleton<IApiHandler, SaslAuthenticateHandler>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => OpenLogs(config, sp));
        services.AddSingleton<TopicConfigResolver>();
        services.AddSingleton<TopicRegistry>();
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
        services.AddSingleton<IApiHandler, DescribeClusterHandler>();
        services.AddSingleton<IApiHandler, DescribeTopicPartitionsHandler>();
        services.AddSingleton<IApiHandler, DescribeQuorumHandler>();
        services.AddSingleton<IApiHandler, AddRaftVoterHandler>();
        services.AddSingleton<IApiHandler, RemoveRaftVoterHandler>();
        services.AddSingleton<IApiHandler, UpdateFeaturesHandler>();
        services.AddSingleton<IApiHandler, InitProducerIdHandler>();
        services.AddSingleton<ClientMetricsSubscriptions>();
        services.AddSingleton<ClientTelemetryManager>();
        services.AddSingleton<IApiHandler, GetTelemetrySubscriptionsHandler>();
        services.AddSingleton<IApiHandler, PushTelemetryHandler>();
        services.AddSingleton<IApiHandler, ListClientMetricsResourcesHandler>();

        services.AddSingleton(GroupCoordinatorConfigs.FromBrokerConfig(config));
        services.AddSingleton<ITopicPartitionView, TopicRegistryPartitionView>();
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
        if (GroupCoordinatorConfigs.ConsumerProtocolEnabled(config))
        {
            services.AddSingleton<IApiHandler, ConsumerGroupHeartbeatHandler>();
            services.AddSingleton<IApiHandler, ConsumerGroupDescribeHandler>();
        }
        services.AddSingleton<ApiHandlerRegistry>();
        ControlPlane.Add(builder, config);

        var app = builder.Build();
        ControlPlane.Map(app);

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
    /// Opens every partition log in the data directory with the broker's static defaults; the metadata publisher
    /// gives each its topic's configs from the image as the log replays (before any client is let in).
    /// </summary>
    private static LogManager OpenLogs(BrokerConfig config, IServiceProvider services)
    {
        var defaults = LogConfig.FromProperties(services.GetRequiredService<TopicConfigResolver>().EffectiveProperties(new Dictionary<string, string>()));
        return new LogManager(config.DataDir, defaults, new LogManagerOptions
        {
            TimeProvider = services.GetRequiredService<TimeProvider>(),
            LoggerFactory = services.GetRequiredService<ILoggerFactory>(),
        });
    }

    /// <summary>Logs the unknown configs and the node's identity before the listeners accept anyone.</summary>
    public static void LoadState(WebApplication app)
    {
        var config = app.Services.GetRequiredService<BrokerConfig>();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Fjord.Broker");
        foreach (var key in config.UnknownKeys)
        {
            BrokerHostLog.UnknownConfig(log, key);
        }

        var identity = app.Services.GetRequiredService<ClusterIdentity>();
        BrokerHostLog.Starting(log, config.NodeId, identity.ClusterId, config.KafkaListen.ToString(), config.KafkaAdvertised.ToString(), config.HttpListen.ToString(), config.DataDir);
    }

    /// <summary>True for Kestrel's failure to bind a listener (address in use, no permission, no such address).</summary>
    public static bool IsBindFailure(Exception e) =>
        e is AddressInUseException || (e is IOException && e.InnerException is System.Net.Sockets.SocketException or AddressInUseException);

    /// <summary>Stops and disposes a host whose start failed, so the services that did start (quorum, logs) close cleanly.</summary>
    public static async Task AbandonAsync(WebApplication app)
    {
        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
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
