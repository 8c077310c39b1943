using Fjord.Broker.Metrics;

namespace Fjord.Broker.ClientMetrics;

/// <summary>
/// The broker's own figures about client telemetry, on its meter: how many client instances have exported series
/// and how many pushed points the cardinality caps dropped. Created once by the composition root; thread-safe.
/// </summary>
public sealed class ClientMetricsInstruments
{
    public ClientMetricsInstruments(BrokerMetrics metrics, ClientMetricsSeries series)
    {
        metrics.Meter.CreateObservableGauge("fjord_telemetry_client_instances", () => series.Instances, unit: "{instance}",
            description: "Client instances whose pushed metrics (KIP-714) are exported as fjord_client_* series.");
        metrics.Meter.CreateObservableCounter("fjord_telemetry_dropped_points", () => series.DroppedPoints, unit: "{point}",
            description: "Pushed client metric points not exported because a cardinality cap (instances, series per instance) was reached.");
    }
}
