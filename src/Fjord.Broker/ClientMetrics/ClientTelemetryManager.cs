using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Records;

namespace Fjord.Broker.ClientMetrics;

/// <summary>What GetTelemetrySubscriptions answers a client instance.</summary>
public sealed record TelemetrySubscriptionAnswer(Uuid ClientInstanceId, ClientSubscription Subscription);

/// <summary>
/// The broker side of KIP-714 (Kafka's ClientMetricsManager): hands each client instance its subscription in
/// GetTelemetrySubscriptions and checks its PushTelemetry against it, passing accepted metrics to
/// <see cref="ClientMetricsSeries"/>. Instances are remembered per broker (a client pushes to one broker; after a
/// reconnect elsewhere it asks again), at most <see cref="MaxTrackedInstances"/>, forgotten
/// <see cref="ClientMetricsSeries.ExpiryIntervals"/> push intervals after they were last heard from.
/// Thread-safe (one lock; called from connection loops).
/// </summary>
public sealed class ClientTelemetryManager(ClientMetricsSeries series, TimeProvider time)
{
    /// <summary>Kafka's <c>telemetry.max.bytes</c> default: the largest (compressed) payload a push may carry.</summary>
    public const int TelemetryMaxBytes = 1024 * 1024;

    /// <summary>Decompressed payloads past this are refused as bad input (a compression bomb, not telemetry).</summary>
    public const int MaxDecompressedBytes = 16 * TelemetryMaxBytes;

    public const int MaxTrackedInstances = 16_384;

    /// <summary>The codecs pushes may use, in the broker's order of preference (zstd, lz4, gzip, snappy, as Kafka).</summary>
    public static readonly IReadOnlyList<CompressionType> AcceptedCompressionTypes =
        [CompressionType.Zstd, CompressionType.Lz4, CompressionType.Gzip, CompressionType.Snappy];

    private readonly Lock _lock = new();
    private readonly Dictionary<Uuid, ClientInstance> _instances = [];

    /// <summary>GetTelemetrySubscriptions: a zero instance id gets a new one; a known or unknown one keeps its id.</summary>
    public TelemetrySubscriptionAnswer Subscribe(IReadOnlyList<ClientMetricsSubscription> subscriptions, ClientIdentity client)
    {
        if (client.InstanceId == Uuid.Zero) client = client with { InstanceId = Uuid.NewRandom() };
        var subscription = ClientSubscription.For(subscriptions, client);
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (!_instances.TryGetValue(client.InstanceId, out var instance))
            {
                MakeRoom(now);
                _instances[client.InstanceId] = instance = new ClientInstance();
            }
            instance.Identity = client;
            instance.Subscription = subscription;
            instance.LastGetAt = now;
            instance.LastSeenAt = now;
        }
        // KIP-714: off unless subscribed; a client asked for nothing pushes nothing, and what it pushed before goes.
        if (subscription.IsEmpty) series.Forget(client.InstanceId);
        return new(client.InstanceId, subscription);
    }

    /// <summary>PushTelemetry: checks the push in Kafka's order and records its metrics; the error and why.</summary>
    public (ErrorCode Error, string? Message) Push(IReadOnlyList<ClientMetricsSubscription> subscriptions, ClientIdentity client, int subscriptionId,
        bool terminating, sbyte compressionType, byte[] metrics)
    {
        if (client.InstanceId == Uuid.Zero) return (ErrorCode.InvalidRequest, "Invalid client instance id (zero)");
        // The subscriptions may have changed since the client asked: its answer is then stale, and when it is now
        // asked for nothing, what it pushed before stops being exported at once.
        var current = ClientSubscription.For(subscriptions, client);
        var (error, message) = Admit(client, subscriptionId, current, terminating, compressionType, metrics.Length);
        if (error == ErrorCode.UnknownSubscriptionId && current.IsEmpty) series.Forget(client.InstanceId);
        if (error != ErrorCode.None) return (error, message);

        IReadOnlyList<ClientMetricPoint> points;
        try
        {
            points = OtlpMetricsDecoder.Decode((CompressionType)compressionType, metrics, MaxDecompressedBytes);
        }
        catch (InvalidDataException ex)
        {
            return (ErrorCode.InvalidRequest, ex.Message);
        }
        // Only a push that decodes counts against the interval: a client whose payload was refused may retry at once.
        lock (_lock)
        {
            if (_instances.TryGetValue(client.InstanceId, out var instance))
            {
                instance.LastPushAt = time.GetUtcNow();
                instance.Terminating = terminating;
            }
        }
        series.Record(client, current, points);
        return (ErrorCode.None, null);
    }

    private (ErrorCode Error, string? Message) Admit(ClientIdentity client, int subscriptionId, ClientSubscription current, bool terminating, sbyte compressionType, int size)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (!_instances.TryGetValue(client.InstanceId, out var instance))
                return (ErrorCode.UnknownSubscriptionId, $"Unknown client instance id {client.InstanceId}; get the subscriptions first");
            instance.LastSeenAt = now;
            if (instance.Subscription.Id != subscriptionId || current.Id != subscriptionId)
                return (ErrorCode.UnknownSubscriptionId, $"Unknown client subscription id {subscriptionId} for {client.InstanceId}");
            if (instance.Terminating) return (ErrorCode.InvalidRequest, $"Client instance {client.InstanceId} already sent its terminating push");
            // A push is due one interval after the last one; the first push after a GetTelemetrySubscriptions is
            // always welcome. librdkafka jitters its pushes, so half an interval is tolerated; a terminating push
            // (the client is closing) may come any time.
            if (!terminating && instance.LastPushAt is { } last && instance.LastGetAt <= last
                && now - last < TimeSpan.FromMilliseconds(current.PushIntervalMs / 2.0))
                return (ErrorCode.ThrottlingQuotaExceeded, $"Push of {client.InstanceId} came {(now - last).TotalMilliseconds:F0} ms after the last one; the interval is {current.PushIntervalMs} ms");
            if (compressionType != (sbyte)CompressionType.None && !AcceptedCompressionTypes.Contains((CompressionType)compressionType))
                return (ErrorCode.UnsupportedCompressionType, $"Unsupported compression type {compressionType}");
            if (size > TelemetryMaxBytes)
                return (ErrorCode.TelemetryTooLarge, $"Telemetry of {size} bytes is over the limit of {TelemetryMaxBytes}");
            return (ErrorCode.None, null);
        }
    }

    // Bounds the table: first instances silent for longer than their expiry, then the longest silent one.
    private void MakeRoom(DateTimeOffset now)
    {
        if (_instances.Count < MaxTrackedInstances) return;
        var expired = _instances.Where(i => now - i.Value.LastSeenAt > TimeSpan.FromMilliseconds((double)i.Value.Subscription.PushIntervalMs * ClientMetricsSeries.ExpiryIntervals))
            .Select(i => i.Key).ToList();
        foreach (var id in expired) _instances.Remove(id);
        if (_instances.Count >= MaxTrackedInstances) _instances.Remove(_instances.MinBy(i => i.Value.LastSeenAt).Key);
    }

    private sealed class ClientInstance
    {
        public ClientIdentity Identity { get; set; }

        public ClientSubscription Subscription { get; set; } = null!;

        public DateTimeOffset LastGetAt { get; set; }

        public DateTimeOffset? LastPushAt { get; set; }

        public DateTimeOffset LastSeenAt { get; set; }

        public bool Terminating { get; set; }
    }
}
