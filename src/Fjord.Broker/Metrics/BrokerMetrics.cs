using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Metrics;

/// <summary>
/// The broker's request-path instruments on the <c>Fjord.Broker</c> meter (Kafka's
/// <c>kafka.network:type=RequestMetrics</c> and <c>kafka.server:type=BrokerTopicMetrics</c>):
/// requests, request time and queue time by API and version, bytes and messages in/out by topic (consumer and
/// replication bytes out apart),
/// open connections, purgatory sizes and ISR changes. Every method costs one instrument update per
/// request, batch or partition read — never per record — and allocates nothing once the label
/// strings of a topic or API version have been cached.
/// Thread-safe: called from every connection's request loop at once.
/// </summary>
public sealed class BrokerMetrics : IDisposable
{
    /// <summary>The meter every Fjord broker instrument lives on; the exporter subscribes to it by this name.</summary>
    public const string MeterName = "Fjord.Broker";

    /// <summary>Seconds: 100 µs … 30 s, dense where Kafka requests usually fall (1-500 ms) and covering long polls.</summary>
    private static readonly double[] s_secondsBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private static readonly string[] s_versionLabels = CreateVersionLabels();

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _requestQueueTime;
    private readonly Counter<long> _bytesIn;
    private readonly Counter<long> _bytesOut;
    private readonly Counter<long> _replicationBytesOut;
    private readonly Counter<long> _messagesIn;
    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _connectionsOpened;
    private readonly Counter<long> _saslAuthenticationFailures;
    private readonly ConcurrentDictionary<short, string> _apiNames = new();
    private long _fetchPurgatory;
    private long _producePurgatory;
    private long _isrShrinks;
    private long _isrExpands;

    public BrokerMetrics()
    {
        _meter = new Meter(MeterName, typeof(BrokerMetrics).Assembly.GetName().Version?.ToString());
        _requests = _meter.CreateCounter<long>("fjord_requests", unit: "{request}",
            description: "Kafka requests served, by API and version (Kafka's RequestsPerSec).");
        _requestDuration = _meter.CreateHistogram("fjord_request_duration", unit: "s",
            description: "Time from a request frame being read off the socket to its response being flushed, including queue time and long-poll waits (Kafka's TotalTimeMs).",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_secondsBuckets });
        _requestQueueTime = _meter.CreateHistogram("fjord_request_queue_time", unit: "s",
            description: "Time a complete request frame waited behind earlier requests of its connection before its handler started (Kafka's RequestQueueTimeMs).",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_secondsBuckets });
        _bytesIn = _meter.CreateCounter<long>("fjord_bytes_in", unit: "{byte}",
            description: "Record batch bytes appended by producers, by topic (Kafka's BytesInPerSec).");
        _bytesOut = _meter.CreateCounter<long>("fjord_bytes_out", unit: "{byte}",
            description: "Record batch bytes returned to consumers, by topic, whether this broker leads or follows the partition (Kafka's BytesOutPerSec).");
        _replicationBytesOut = _meter.CreateCounter<long>("fjord_replication_bytes_out", unit: "{byte}",
            description: "Record batch bytes this leader returned to follower replicas, by topic (Kafka's ReplicationBytesOutPerSec).");
        _messagesIn = _meter.CreateCounter<long>("fjord_messages_in", unit: "{message}",
            description: "Records appended by producers, by topic, counted from batch headers (Kafka's MessagesInPerSec).");
        _connections = _meter.CreateUpDownCounter<long>("fjord_connections", unit: "{connection}",
            description: "Open Kafka protocol connections.");
        _connectionsOpened = _meter.CreateCounter<long>("fjord_connections_opened", unit: "{connection}",
            description: "Kafka protocol connections accepted since start (Kafka's connection-creation-total).");
        _saslAuthenticationFailures = _meter.CreateCounter<long>("fjord_sasl_authentication_failures", unit: "{attempt}",
            description: "Failed SASL authentications on the Kafka listener, by mechanism (Kafka's failed-authentication-total).");
        _meter.CreateObservableGauge("fjord_fetch_purgatory_size", () => Volatile.Read(ref _fetchPurgatory), unit: "{request}",
            description: "Fetch requests parked in a long poll, waiting for min_bytes or max_wait_ms.");
        _meter.CreateObservableGauge("fjord_produce_purgatory_size", () => Volatile.Read(ref _producePurgatory), unit: "{request}",
            description: "acks=all produce requests waiting for the high watermark (always 0 on a single node: the leader's append is the whole ISR).");
        _meter.CreateObservableCounter("fjord_isr_shrinks", () => Volatile.Read(ref _isrShrinks), unit: "{change}",
            description: "ISR shrinks of partitions led by this broker, whether this leader or the controller (fencing) removed the members (Kafka's IsrShrinksPerSec).");
        _meter.CreateObservableCounter("fjord_isr_expands", () => Volatile.Read(ref _isrExpands), unit: "{change}",
            description: "ISR expansions of partitions led by this broker: a caught-up follower rejoined (Kafka's IsrExpandsPerSec).");
    }

    /// <summary>The meter, for the broker's observable gauges that live beside their data.</summary>
    internal Meter Meter => _meter;

    /// <summary>Histogram bucket bounds in seconds, shared with the other duration instruments.</summary>
    internal static double[] SecondsBuckets => s_secondsBuckets;

    public void SaslAuthenticationFailed(string mechanism) =>
        _saslAuthenticationFailures.Add(1, new KeyValuePair<string, object?>("mechanism", mechanism));

    public void ConnectionOpened()
    {
        _connections.Add(1);
        _connectionsOpened.Add(1);
    }

    public void ConnectionClosed() => _connections.Add(-1);

    /// <summary>One request served; <paramref name="totalSeconds"/> includes <paramref name="queueSeconds"/>.</summary>
    public void RequestCompleted(ApiKey api, short version, double queueSeconds, double totalSeconds)
    {
        var tags = new TagList
        {
            { "api", ApiName(api) },
            { "version", VersionLabel(version) },
        };
        _requests.Add(1, tags);
        _requestQueueTime.Record(queueSeconds, tags);
        _requestDuration.Record(totalSeconds, tags);
    }

    /// <summary>One batch appended (not a retried duplicate).</summary>
    public void BatchAppended(string topic, long bytes, long records)
    {
        var tag = new KeyValuePair<string, object?>("topic", topic);
        _bytesIn.Add(bytes, tag);
        _messagesIn.Add(records, tag);
    }

    /// <summary>One partition's records put into a fetch response.</summary>
    /// <summary>Bytes a Fetch returned for <paramref name="topic"/>: to a follower replica, or to a consumer (Kafka counts the two apart).</summary>
    public void RecordsFetched(string topic, long bytes, bool toReplica) =>
        (toReplica ? _replicationBytesOut : _bytesOut).Add(bytes, new KeyValuePair<string, object?>("topic", topic));

    public void FetchWaitStarted() => Interlocked.Increment(ref _fetchPurgatory);

    public void FetchWaitEnded() => Interlocked.Decrement(ref _fetchPurgatory);

    public void ProduceWaitStarted() => Interlocked.Increment(ref _producePurgatory);

    public void ProduceWaitEnded() => Interlocked.Decrement(ref _producePurgatory);

    public void IsrShrunk() => Interlocked.Increment(ref _isrShrinks);

    public void IsrExpanded() => Interlocked.Increment(ref _isrExpands);

    public void Dispose() => _meter.Dispose();

    private string ApiName(ApiKey api) => _apiNames.GetOrAdd((short)api, static key => ((ApiKey)key).ToString());

    private static string VersionLabel(short version) =>
        (uint)version < (uint)s_versionLabels.Length ? s_versionLabels[version] : version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string[] CreateVersionLabels()
    {
        var labels = new string[32];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return labels;
    }
}
