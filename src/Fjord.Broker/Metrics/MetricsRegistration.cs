using Fjord.Broker.ClientMetrics;
using Fjord.Broker.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Fjord.Broker.Metrics;

/// <summary>
/// Wires the broker's meters, the runtime and process instrumentation and the Prometheus exporter
/// into the host, and maps <c>/metrics</c> on the HTTP listener. Called once by the composition root.
/// </summary>
public static class MetricsRegistration
{
    public const string ScrapePath = "/metrics";

    /// <summary>
    /// Series kept per per-partition family (the SDK's default is 2,000, and it preallocates them):
    /// enough for 10,000 hosted partitions or group-partitions. Past that, new series are folded
    /// into an overflow series; turn <c>metrics.partition.level</c> off on such brokers.
    /// </summary>
    public const int PerPartitionSeriesLimit = 10_000;

    public static IServiceCollection AddFjordMetrics(this IServiceCollection services, BrokerConfig config)
    {
        services.AddSingleton<BrokerMetrics>();
        services.AddSingleton<PartitionStateMetrics>();
        services.AddSingleton<QuorumMetrics>();
        services.AddSingleton<ConsumerGroupMetrics>();
        services.AddSingleton<TransactionMetrics>();
        services.AddSingleton<ClientMetricsSeries>();
        services.AddSingleton<ClientMetricsInstruments>();
        services.AddHostedService(sp => sp.GetRequiredService<ConsumerGroupMetrics>());
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService("fjord-broker", serviceInstanceId: config.NodeId.ToString(System.Globalization.CultureInfo.InvariantCulture), autoGenerateServiceInstanceId: false))
            .WithMetrics(metrics => metrics
                .AddMeter(BrokerMetrics.MeterName)
                .AddView(IsPerPartition)
                .AddRuntimeInstrumentation()
                .AddProcessInstrumentation()
                .AddPrometheusExporter(o =>
                {
                    // Every scrape sees current figures; Prometheus scrapes seconds apart anyway.
                    o.ScrapeResponseCacheDurationMilliseconds = 0;
                }));
        return services;
    }

    private static MetricStreamConfiguration? IsPerPartition(System.Diagnostics.Metrics.Instrument instrument) =>
        instrument.Meter.Name == BrokerMetrics.MeterName && instrument.Name is "fjord_log_size_bytes" or "fjord_log_segments"
            or "fjord_log_start_offset" or "fjord_log_end_offset" or "fjord_high_watermark"
            or "fjord_consumer_group_lag" or "fjord_consumer_group_committed_offset"
            ? new MetricStreamConfiguration { CardinalityLimit = PerPartitionSeriesLimit }
            : null;

    /// <summary>Maps the scrape endpoint and makes sure the gauge owners exist before the first scrape.</summary>
    public static void MapFjordMetrics(this WebApplication app)
    {
        app.Services.GetRequiredService<PartitionStateMetrics>();
        app.Services.GetRequiredService<QuorumMetrics>();
        app.Services.GetRequiredService<TransactionMetrics>();
        app.Services.GetRequiredService<ClientMetricsInstruments>();
        app.MapPrometheusScrapingEndpoint(ScrapePath, meterProvider: null, configureBranchedPipeline: ClientMetricsScrape.Use, optionsName: null);
    }

    /// <summary>
    /// Puts the node id on every line of the JSON console log by wrapping the console provider that
    /// <c>AddJsonConsole</c> registered.
    /// </summary>
    public static ILoggingBuilder AddNodeIdScope(this ILoggingBuilder logging, int nodeId)
    {
        var services = logging.Services;
        var console = services.FirstOrDefault(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider));
        if (console is not null)
        {
            services.Remove(console);
            services.AddSingleton<ILoggerProvider>(sp => new NodeScopedLoggerProvider(ActivatorUtilities.CreateInstance<ConsoleLoggerProvider>(sp), nodeId));
        }

        return logging;
    }
}
