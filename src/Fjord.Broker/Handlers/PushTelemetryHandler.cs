using Fjord.Broker.ClientMetrics;
using Fjord.Broker.Network;
using Fjord.Broker.Quorum;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// PushTelemetry, version 0 (KIP-714): checks the push against the instance's subscription, in Kafka's order,
/// and exports its gauges and sums on <c>/metrics</c> (<see cref="ClientMetricsSeries"/>).
/// - Zero ClientInstanceId, a second terminating push, or a payload that does not decompress or parse as OTLP
///   MetricsData: INVALID_REQUEST.
/// - An instance this broker never answered, or a SubscriptionId that is not its current one (the CLIENT_METRICS
///   resources changed): UNKNOWN_SUBSCRIPTION_ID, and the client asks again.
/// - Sooner than half the push interval after its last push (not terminating, no GetTelemetrySubscriptions since):
///   THROTTLING_QUOTA_EXCEEDED. A codec outside AcceptedCompressionTypes: UNSUPPORTED_COMPRESSION_TYPE. Over 1 MiB
///   compressed: TELEMETRY_TOO_LARGE.
/// Thread-safe: <see cref="ClientTelemetryManager"/> holds the per-instance state.
/// </summary>
public sealed class PushTelemetryHandler(MetadataQuorum quorum, ClientMetricsSubscriptions subscriptions, ClientTelemetryManager telemetry)
    : ApiHandler<PushTelemetryRequest, PushTelemetryResponse>
{
    public override ApiKey ApiKey => ApiKey.PushTelemetry;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, PushTelemetryRequest request)
    {
        var (error, _) = telemetry.Push(subscriptions.Of(quorum.StateMachine.Image), ClientIdentities.Of(context, request.ClientInstanceId),
            request.SubscriptionId, request.Terminating, request.CompressionType, request.Metrics);
        return new(ErrorResponse(request, error));
    }

    protected override PushTelemetryResponse ErrorResponse(PushTelemetryRequest request, ErrorCode error) => new() { ErrorCode = (short)error };
}
