using System.Text;
using Fjord.Broker.ClientMetrics;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Records;
using Microsoft.Extensions.Time.Testing;

namespace Fjord.Broker.Tests.ClientMetrics;

public sealed class ClientTelemetryManagerTests
{
    private static readonly ClientIdentity s_producer = new(Uuid.Zero, "orders-producer", "confluent-kafka-dotnet", "2.16.0", "127.0.0.1", 40000);
    private readonly FakeTimeProvider _time = new();
    private readonly ClientMetricsSeries _series;
    private readonly ClientTelemetryManager _manager;
    private IReadOnlyList<ClientMetricsSubscription> _subscriptions = [ClientMetricsConfigsTests.Subscription("producers", "org.apache.kafka.producer.", 1_000, "")];

    public ClientTelemetryManagerTests()
    {
        _series = new ClientMetricsSeries(_time);
        _manager = new ClientTelemetryManager(_series, _time);
    }

    [Fact]
    public void Subscribe_ZeroInstanceId_AssignsOne_AndAKnownOneIsKept()
    {
        var first = _manager.Subscribe(_subscriptions, s_producer);
        Assert.NotEqual(Uuid.Zero, first.ClientInstanceId);
        Assert.Equal(first.ClientInstanceId, _manager.Subscribe(_subscriptions, s_producer with { InstanceId = first.ClientInstanceId }).ClientInstanceId);
    }

    [Fact]
    public void Push_UnderTheSubscription_ExportsOnlyRequestedMetricsWithTheClientsLabels()
    {
        var (client, id) = Subscribe();
        Assert.Equal(ErrorCode.None, Push(client, id, OtlpPayloads.ProducerMetrics(12.5, 3, CompressionType.Zstd), CompressionType.Zstd).Error);
        var text = Scrape();
        Assert.Contains("# TYPE fjord_client_producer_node_request_latency_avg gauge\n", text);
        Assert.Contains($"fjord_client_producer_node_request_latency_avg{{client_id=\"orders-producer\",client_software_name=\"confluent-kafka-dotnet\",client_software_version=\"2.16.0\",client_instance_id=\"{client.InstanceId}\",node_id=\"1\"}} 12.5\n", text);
        Assert.Contains("fjord_client_producer_connection_creation_total{", text);
        Assert.DoesNotContain("consumer", text);
        Assert.Equal(1, _series.Instances);
    }

    [Fact]
    public void Push_Errors_FollowKafka()
    {
        var payload = OtlpPayloads.ProducerMetrics(1, 1);
        Assert.Equal(ErrorCode.InvalidRequest, Push(s_producer, 0, payload).Error);
        Assert.Equal(ErrorCode.UnknownSubscriptionId, Push(s_producer with { InstanceId = new Uuid(9, 9) }, 0, payload).Error);
        var (client, id) = Subscribe();
        Assert.Equal(ErrorCode.UnknownSubscriptionId, Push(client, id + 1, payload).Error);
        Assert.Equal(ErrorCode.UnsupportedCompressionType, Push(client, id, payload, (CompressionType)5).Error);
        Assert.Equal(ErrorCode.TelemetryTooLarge, Push(client, id, new byte[ClientTelemetryManager.TelemetryMaxBytes + 1]).Error);
        Assert.Equal(ErrorCode.InvalidRequest, Push(client, id, Encoding.ASCII.GetBytes("definitely not protobuf"), CompressionType.Gzip).Error);
    }

    [Fact]
    public void Push_ThatDoesNotDecode_DoesNotCountAgainstTheInterval()
    {
        var (client, id) = Subscribe();
        Assert.Equal(ErrorCode.InvalidRequest, Push(client, id, [0xFF, 0xFF, 0xFF]).Error);
        Assert.Equal(ErrorCode.None, Push(client, id, OtlpPayloads.ProducerMetrics(1, 1)).Error);
    }

    [Fact]
    public void Push_SoonerThanTheInterval_IsThrottled_ButATerminatingPushIsNot()
    {
        var (client, id) = Subscribe();
        var payload = OtlpPayloads.ProducerMetrics(1, 1);
        Assert.Equal(ErrorCode.None, Push(client, id, payload).Error);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(ErrorCode.ThrottlingQuotaExceeded, Push(client, id, payload).Error);
        Assert.Equal(ErrorCode.None, Push(client, id, payload, terminating: true).Error);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(ErrorCode.InvalidRequest, Push(client, id, payload).Error);
    }

    [Fact]
    public void Push_AfterTheSubscriptionIsDeleted_IsStale_AndTheClientsSeriesGo()
    {
        var (client, id) = Subscribe();
        Assert.Equal(ErrorCode.None, Push(client, id, OtlpPayloads.ProducerMetrics(1, 1)).Error);
        Assert.Contains("fjord_client_", Scrape());
        _subscriptions = [];
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(ErrorCode.UnknownSubscriptionId, Push(client, id, OtlpPayloads.ProducerMetrics(1, 1)).Error);
        Assert.DoesNotContain("fjord_client_", Scrape());
        Assert.True(_manager.Subscribe(_subscriptions, client).Subscription.IsEmpty);
    }

    [Fact]
    public void Series_ExpireThreeIntervalsAfterTheLastPush()
    {
        var (client, id) = Subscribe();
        Assert.Equal(ErrorCode.None, Push(client, id, OtlpPayloads.ProducerMetrics(1, 1)).Error);
        _time.Advance(TimeSpan.FromMilliseconds(2_999));
        Assert.Equal(1, _series.Instances);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, _series.Instances);
        Assert.DoesNotContain("fjord_client_", Scrape());
    }

    [Fact]
    public void Series_PastTheInstanceCap_AreDroppedAndCounted()
    {
        var points = OtlpMetricsDecoder.Decode(CompressionType.None, OtlpPayloads.ProducerMetrics(1, 1), 1 << 20);
        var subscription = ClientSubscription.For(_subscriptions, s_producer);
        for (var i = 0; i < ClientMetricsSeries.MaxInstances; i++)
            _series.Record(s_producer with { InstanceId = new Uuid(1, i + 1) }, subscription, points);
        Assert.Equal(0, _series.DroppedPoints);
        _series.Record(s_producer with { InstanceId = new Uuid(2, 1) }, subscription, points);
        Assert.Equal(ClientMetricsSeries.MaxInstances, _series.Instances);
        Assert.Equal(points.Count, _series.DroppedPoints);
    }

    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public void Decode_EveryCodec_ReadsGaugesAndSums(CompressionType compression)
    {
        var points = OtlpMetricsDecoder.Decode(compression, OtlpPayloads.ProducerMetrics(12.5, 3, compression), 1 << 20);
        Assert.Equal(3, points.Count);
        var latency = points[0];
        Assert.Equal("org.apache.kafka.producer.node.request.latency.avg", latency.Name);
        Assert.Equal(12.5, latency.Value);
        Assert.Equal([new KeyValuePair<string, string>("node.id", "1")], latency.Attributes);
        Assert.Equal(3, points[1].Value);
        Assert.False(points[1].IsDelta);
    }

    private (ClientIdentity Client, int SubscriptionId) Subscribe()
    {
        var answer = _manager.Subscribe(_subscriptions, s_producer);
        return (s_producer with { InstanceId = answer.ClientInstanceId }, answer.Subscription.Id);
    }

    private (ErrorCode Error, string? Message) Push(ClientIdentity client, int subscriptionId, byte[] payload, CompressionType compression = CompressionType.None, bool terminating = false) =>
        _manager.Push(_subscriptions, client, subscriptionId, terminating, (sbyte)compression, payload);

    private string Scrape()
    {
        var text = new StringBuilder();
        _series.WriteTo(text);
        return text.ToString();
    }
}
