using Confluent.Kafka;
using Fjord.Integration.Tests.Harness;
using Fjord.Protocol.Errors;
using ErrorCode = Fjord.Protocol.Errors.ErrorCode;
using Fjord.Protocol.Messages;

namespace Fjord.Integration.Tests;

/// <summary>A broker of its own for the client telemetry tests, so no other test's clients push to it.</summary>
public sealed class ClientTelemetryBrokerFixture : IDisposable
{
    public BrokerProcess Broker { get; } = BrokerProcess.Start();

    public void Dispose() => Broker.Dispose();
}

/// <summary>
/// KIP-714 end to end: CLIENT_METRICS subscriptions written with IncrementalAlterConfigs, a real Confluent.Kafka
/// (librdkafka) producer pushing its metrics, and the broker's <c>/metrics</c> showing them as fjord_client_*
/// series labelled with the producer's client id; plus the errors a raw client gets for bad pushes.
/// </summary>
public sealed class ClientTelemetryTests(ClientTelemetryBrokerFixture fixture) : IClassFixture<ClientTelemetryBrokerFixture>
{
    private const sbyte ClientMetricsResourceType = 16;
    private const sbyte Set = 0, Delete = 1;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);

    private BrokerProcess Broker => fixture.Broker;

    [Fact]
    public void Producer_MatchingASubscription_PushesSeriesUntilTheSubscriptionIsDeleted()
    {
        var topic = TestTopics.Unique("telemetry");
        var subscribedId = "kip714-subscribed-" + topic;
        var unsubscribedId = "kip714-unsubscribed-" + topic;
        var subscription = "producers-" + topic;
        AlterSubscription(subscription, Set, ("metrics", "org.apache.kafka.producer."), ("interval.ms", "1000"), ("match", $"client_id={subscribedId}"));

        using var subscribed = NewProducer(subscribedId);
        using var unsubscribed = NewProducer(unsubscribedId);
        var started = DateTime.UtcNow;
        var series = WaitForScrape(s => s.Samples.Any(x => x.Name.StartsWith("fjord_client_producer_", StringComparison.Ordinal) && x.Label("client_id") == subscribedId),
            $"a fjord_client_producer_* series for {subscribedId}", () => { subscribed.Produce(topic, new Message<Null, string> { Value = "x" }); unsubscribed.Produce(topic, new Message<Null, string> { Value = "y" }); });
        var first = series.Samples.First(x => x.Name.StartsWith("fjord_client_producer_", StringComparison.Ordinal) && x.Label("client_id") == subscribedId);
        Console.WriteLine($"first pushed series after {(DateTime.UtcNow - started).TotalSeconds:F1} s: {first.Name} {string.Join(",", first.Labels.Select(l => $"{l.Key}={l.Value}"))} {first.Value}");
        Assert.False(string.IsNullOrEmpty(first.Label("client_software_name")));
        Assert.False(string.IsNullOrEmpty(first.Label("client_software_version")));
        Assert.False(string.IsNullOrEmpty(first.Label("client_instance_id")));
        Assert.DoesNotContain(series.Samples, x => x.Name.StartsWith("fjord_client_consumer_", StringComparison.Ordinal));
        // Both producers have run as long; the one no subscription matches was asked for nothing and pushed nothing.
        Assert.DoesNotContain(series.Samples, x => x.Label("client_id") == unsubscribedId);
        Assert.True(series.Sum("fjord_telemetry_client_instances") >= 1);

        AlterSubscription(subscription, Delete, ("metrics", null), ("interval.ms", null), ("match", null));
        WaitForScrape(s => !s.Samples.Any(x => x.Label("client_id") == subscribedId),
            $"the series of {subscribedId} gone after its subscription was deleted", () => subscribed.Produce(topic, new Message<Null, string> { Value = "z" }));
        Assert.DoesNotContain(ListSubscriptions(), name => name == subscription);
    }

    [Fact]
    public void Subscriptions_AreConfigResources_ListedDescribedAndValidated()
    {
        var name = "described-" + Guid.NewGuid().ToString("N")[..8];
        AlterSubscription(name, Set, ("metrics", "org.apache.kafka.consumer."), ("interval.ms", "60000"));
        Assert.Contains(name, ListSubscriptions());

        using var connection = new RawKafkaConnection(Broker.KafkaPort);
        var request = new DescribeConfigsRequest { Resources = [new() { ResourceType = ClientMetricsResourceType, ResourceName = name, ConfigurationKeys = null }] };
        var described = Assert.Single(connection.Receive<DescribeConfigsResponse>(32, 4, connection.Send(request, 4)).Results);
        Assert.Equal(0, described.ErrorCode);
        Assert.Equal("60000", described.Configs.Single(c => c.Name == "interval.ms").Value);
        Assert.Equal("org.apache.kafka.consumer.", described.Configs.Single(c => c.Name == "metrics").Value);
        Assert.Equal("", described.Configs.Single(c => c.Name == "match").Value);

        Assert.Equal(ErrorCode.InvalidConfig, TryAlterSubscription(name, Set, ("interval.ms", "10")));
        Assert.Equal(ErrorCode.InvalidConfig, TryAlterSubscription(name, Set, ("match", "client_rack=a")));
        Assert.Equal(ErrorCode.InvalidConfig, TryAlterSubscription(name, Set, ("colour", "blue")));
        AlterSubscription(name, Delete, ("metrics", null), ("interval.ms", null));
        Assert.DoesNotContain(name, ListSubscriptions());
    }

    [Fact]
    public void RawPushes_BadInput_GetKafkasErrors()
    {
        var name = "raw-" + Guid.NewGuid().ToString("N")[..8];
        AlterSubscription(name, Set, ("metrics", "*"), ("interval.ms", "60000"), ("match", "client_id=kip714-raw-client"));
        using var connection = new RawKafkaConnection(Broker.KafkaPort);
        var get = connection.Receive<GetTelemetrySubscriptionsResponse>(71, 0, connection.Send(new GetTelemetrySubscriptionsRequest(), 0, "kip714-raw-client"));
        Assert.Equal(0, get.ErrorCode);
        Assert.NotEqual(Fjord.Protocol.Uuid.Zero, get.ClientInstanceId);
        Assert.Equal([""], get.RequestedMetrics);
        Assert.Equal(60000, get.PushIntervalMs);
        Assert.Equal([4, 3, 1, 2], get.AcceptedCompressionTypes.Select(c => (int)c));

        ErrorCode Push(int subscriptionId, sbyte compression, byte[] metrics, bool terminating = false)
        {
            var push = new PushTelemetryRequest { ClientInstanceId = get.ClientInstanceId, SubscriptionId = subscriptionId, CompressionType = compression, Metrics = metrics, Terminating = terminating };
            return (ErrorCode)connection.Receive<PushTelemetryResponse>(72, 0, connection.Send(push, 0, "kip714-raw-client")).ErrorCode;
        }

        Assert.Equal(ErrorCode.UnknownSubscriptionId, Push(get.SubscriptionId + 1, 0, []));
        Assert.Equal(ErrorCode.UnsupportedCompressionType, Push(get.SubscriptionId, 7, []));
        Assert.Equal(ErrorCode.TelemetryTooLarge, Push(get.SubscriptionId, 0, new byte[get.TelemetryMaxBytes + 1]));
        Assert.Equal(ErrorCode.InvalidRequest, Push(get.SubscriptionId, 1, "garbage, not gzip"u8.ToArray()));
        Assert.Equal(ErrorCode.InvalidRequest, Push(get.SubscriptionId, 0, [0xFF, 0xFF, 0xFF]));
        // An empty MetricsData is valid: the first push is accepted, the next one within the interval is throttled.
        Assert.Equal(ErrorCode.None, Push(get.SubscriptionId, 0, []));
        Assert.Equal(ErrorCode.ThrottlingQuotaExceeded, Push(get.SubscriptionId, 0, []));
        Assert.Equal(ErrorCode.None, Push(get.SubscriptionId, 0, [], terminating: true));
        Assert.Equal(ErrorCode.InvalidRequest, Push(get.SubscriptionId, 0, [], terminating: true));
        AlterSubscription(name, Delete, ("metrics", null), ("interval.ms", null), ("match", null));
    }

    private IProducer<Null, string> NewProducer(string clientId) => new ProducerBuilder<Null, string>(new ProducerConfig
    {
        BootstrapServers = Broker.BootstrapServers,
        ClientId = clientId,
        LingerMs = 5,
        // librdkafka ≥ 2.5 pushes KIP-714 metrics when the broker subscribes it; true is the default, set to say so.
        EnableMetricsPush = true,
    }).Build();

    private PrometheusText WaitForScrape(Func<PrometheusText, bool> condition, string what, Action meanwhile)
    {
        PrometheusText? last = null;
        Eventually.True(() =>
        {
            meanwhile();
            last = MetricsTests.Scrape(Broker);
            return condition(last);
        }, s_timeout, what);
        return last!;
    }

    private void AlterSubscription(string name, sbyte operation, params (string Name, string? Value)[] configs) =>
        Assert.Equal(ErrorCode.None, TryAlterSubscription(name, operation, configs));

    private ErrorCode TryAlterSubscription(string name, sbyte operation, params (string Name, string? Value)[] configs)
    {
        using var connection = new RawKafkaConnection(Broker.KafkaPort);
        var request = new IncrementalAlterConfigsRequest
        {
            Resources =
            [
                new()
                {
                    ResourceType = ClientMetricsResourceType,
                    ResourceName = name,
                    Configs = [.. configs.Select(c => new IncrementalAlterConfigsRequest.AlterableConfig { Name = c.Name, ConfigOperation = operation, Value = c.Value })],
                },
            ],
        };
        var response = connection.Receive<IncrementalAlterConfigsResponse>(44, 1, connection.Send(request, 1));
        return (ErrorCode)Assert.Single(response.Responses).ErrorCode;
    }

    private List<string> ListSubscriptions()
    {
        using var connection = new RawKafkaConnection(Broker.KafkaPort);
        var response = connection.Receive<ListClientMetricsResourcesResponse>(74, 0, connection.Send(new ListClientMetricsResourcesRequest(), 0));
        Assert.Equal(0, response.ErrorCode);
        return [.. response.ClientMetricsResources.Select(r => r.Name)];
    }
}
