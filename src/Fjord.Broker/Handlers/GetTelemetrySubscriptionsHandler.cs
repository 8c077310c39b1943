using Fjord.Broker.ClientMetrics;
using Fjord.Broker.Network;
using Fjord.Broker.Quorum;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// GetTelemetrySubscriptions, version 0 (KIP-714): answered by any broker from its committed metadata image.
/// - A zero ClientInstanceId gets a new one; the subscription id names what the client must push and changes when
///   the matching CLIENT_METRICS resources change (<see cref="ClientSubscription"/>).
/// - No matching subscription: an empty RequestedMetrics list (the client pushes nothing) and the default 5-minute
///   interval after which it asks again, as Kafka. One subscription with <c>*</c>: the single empty prefix.
/// - DeltaTemporality false: sums come cumulative, which is what a Prometheus gauge of the last value needs.
/// - AcceptedCompressionTypes zstd, lz4, gzip, snappy; TelemetryMaxBytes 1 MiB (Kafka's telemetry.max.bytes).
/// Thread-safe: <see cref="ClientTelemetryManager"/> holds the per-instance state.
/// </summary>
public sealed class GetTelemetrySubscriptionsHandler(MetadataQuorum quorum, ClientMetricsSubscriptions subscriptions, ClientTelemetryManager telemetry)
    : ApiHandler<GetTelemetrySubscriptionsRequest, GetTelemetrySubscriptionsResponse>
{
    public override ApiKey ApiKey => ApiKey.GetTelemetrySubscriptions;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, GetTelemetrySubscriptionsRequest request)
    {
        var answer = telemetry.Subscribe(subscriptions.Of(quorum.StateMachine.Image), ClientIdentities.Of(context, request.ClientInstanceId));
        var response = new GetTelemetrySubscriptionsResponse
        {
            ClientInstanceId = answer.ClientInstanceId,
            SubscriptionId = answer.Subscription.Id,
            PushIntervalMs = answer.Subscription.PushIntervalMs,
            TelemetryMaxBytes = ClientTelemetryManager.TelemetryMaxBytes,
            DeltaTemporality = false,
            RequestedMetrics = [.. answer.Subscription.RequestedMetrics],
            AcceptedCompressionTypes = [.. ClientTelemetryManager.AcceptedCompressionTypes.Select(c => (sbyte)c)],
        };
        return new(response);
    }

    protected override GetTelemetrySubscriptionsResponse ErrorResponse(GetTelemetrySubscriptionsRequest request, ErrorCode error) =>
        new() { ErrorCode = (short)error, ClientInstanceId = request.ClientInstanceId };
}
