using Fjord.Broker.Configuration;
using Fjord.Broker.Handlers;
using Fjord.Metadata;
using Fjord.Raft;
using Fjord.Rpc.Raft;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fjord.Broker.Cluster;

/// <summary>
/// Cluster mode, entered only when <c>--voters</c> names more than one node: adds the rpc listener
/// (HTTP/2, gRPC raft transport and controller service), the metadata quorum, the controller host and
/// the broker lifecycle, and swaps the Metadata, DescribeCluster and CreateTopics handlers for ones
/// backed by the metadata image and the controller. Everything else is the single-node broker as is.
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
        services.AddSingleton(sp => new MetadataQuorum(config, voters!, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IRaftInbox>(sp => sp.GetRequiredService<MetadataQuorum>().Driver);
        services.AddSingleton(new QuorumControllerOptions
        {
            DefaultPartitions = config.NumPartitions,
            DefaultReplicationFactor = config.DefaultReplicationFactor,
        });
        services.AddSingleton<ControllerHost>();
        services.AddHostedService(sp => sp.GetRequiredService<ControllerHost>());
        services.AddHostedService<BrokerLifecycleService>();

        Replace<MetadataHandler, ClusterMetadataHandler>(services);
        Replace<DescribeClusterHandler, ClusterDescribeClusterHandler>(services);
        Replace<CreateTopicsHandler, ClusterCreateTopicsHandler>(services);
        return true;
    }

    /// <summary>Maps the gRPC services; call after <see cref="Configure"/> returned true.</summary>
    public static void Map(WebApplication app)
    {
        app.MapGrpcService<RaftTransportService>();
        app.MapGrpcService<ControllerGrpcService>();
    }

    private static void Replace<TOld, TNew>(IServiceCollection services)
        where TNew : class, IApiHandler
    {
        for (var i = services.Count - 1; i >= 0; i--)
            if (services[i].ServiceType == typeof(IApiHandler) && services[i].ImplementationType == typeof(TOld)) services.RemoveAt(i);
        services.AddSingleton<IApiHandler, TNew>();
    }
}
