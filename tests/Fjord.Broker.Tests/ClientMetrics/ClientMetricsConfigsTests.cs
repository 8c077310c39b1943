using Fjord.Broker.ClientMetrics;
using Fjord.Protocol;

namespace Fjord.Broker.Tests.ClientMetrics;

public sealed class ClientMetricsConfigsTests
{
    private static readonly ClientIdentity s_producer = new(new Uuid(1, 2), "orders-producer", "confluent-kafka-dotnet", "2.16.0", "10.0.0.7", 53124);

    [Theory]
    [InlineData("interval.ms", "100", true)]
    [InlineData("interval.ms", "3600000", true)]
    [InlineData("interval.ms", "99", false)]
    [InlineData("interval.ms", "3600001", false)]
    [InlineData("interval.ms", "soon", false)]
    [InlineData("metrics", "org.apache.kafka.producer.,org.apache.kafka.consumer.", true)]
    [InlineData("match", "client_id=orders-.*,client_software_name=confluent-kafka-dotnet", true)]
    [InlineData("match", "client_rack=a", false)]
    [InlineData("match", "client_id", false)]
    [InlineData("match", "client_id=(unclosed", false)]
    [InlineData("colour", "blue", false)]
    public void Validate_AcceptsKafkasConfigsOnly(string name, string value, bool valid) =>
        Assert.Equal(valid, ClientMetricsConfigs.Validate(name, value) is null);

    [Fact]
    public void Parse_WithoutInterval_UsesTheFiveMinuteDefault()
    {
        var subscription = ClientMetricsConfigs.Parse("all", new Dictionary<string, string> { ["metrics"] = "*" }, out var error);
        Assert.Null(error);
        Assert.Equal(ClientMetricsConfigs.DefaultIntervalMs, subscription!.IntervalMs);
        Assert.True(subscription.Matches(s_producer));
    }

    [Theory]
    [InlineData("client_id=orders-.*", true)]
    [InlineData("client_id=orders", false)] // the whole value must match, as java.util.regex.Pattern.matches
    [InlineData("client_software_name=confluent-kafka-dotnet,client_software_version=2\\.16\\..*", true)]
    [InlineData("client_software_name=confluent-kafka-dotnet,client_software_version=2\\.15\\..*", false)]
    [InlineData("client_source_address=10\\.0\\.0\\..*,client_source_port=53124", true)]
    [InlineData("client_instance_id=AAAAAAAAAAEAAAAAAAAAAg", true)]
    public void Matches_EveryEntryMustMatchTheWholeValue(string match, bool matches)
    {
        var subscription = ClientMetricsConfigs.Parse("s", new Dictionary<string, string> { ["metrics"] = "*", ["match"] = match }, out var error);
        Assert.Null(error);
        Assert.Equal(matches, subscription!.Matches(s_producer));
    }

    [Fact]
    public void For_NoMatchingSubscription_RequestsNothingAtTheDefaultInterval()
    {
        var other = Subscription("other", "org.apache.kafka.", 1000, "client_id=billing-.*");
        var answer = ClientSubscription.For([other], s_producer);
        Assert.True(answer.IsEmpty);
        Assert.Equal(ClientMetricsConfigs.DefaultIntervalMs, answer.PushIntervalMs);
    }

    [Fact]
    public void For_SeveralMatches_UnitesPrefixesAndTakesTheShortestInterval()
    {
        var answer = ClientSubscription.For(
            [Subscription("a", "org.apache.kafka.producer.", 60_000, ""), Subscription("b", "org.apache.kafka.consumer.,org.apache.kafka.producer.", 5_000, "client_id=orders-.*")],
            s_producer);
        Assert.Equal(["org.apache.kafka.consumer.", "org.apache.kafka.producer."], answer.RequestedMetrics);
        Assert.Equal(5_000, answer.PushIntervalMs);
        Assert.True(answer.Requests("org.apache.kafka.producer.record.queue.time.avg"));
        Assert.False(answer.Requests("org.apache.kafka.admin.x"));
    }

    [Fact]
    public void For_Star_RequestsTheEmptyPrefixThatMeansAll()
    {
        var answer = ClientSubscription.For([Subscription("all", "*,org.apache.kafka.producer.", 1_000, "")], s_producer);
        Assert.Equal([""], answer.RequestedMetrics);
        Assert.True(answer.Requests("anything"));
    }

    [Fact]
    public void SubscriptionId_IsStableForTheSameAnswer_AndChangesWithMetricsIntervalOrInstance()
    {
        var a = Subscription("a", "org.apache.kafka.producer.", 1_000, "");
        var id = ClientSubscription.For([a], s_producer).Id;
        Assert.Equal(id, ClientSubscription.For([a], s_producer).Id);
        Assert.NotEqual(id, ClientSubscription.For([Subscription("a", "org.apache.kafka.", 1_000, "")], s_producer).Id);
        Assert.NotEqual(id, ClientSubscription.For([Subscription("a", "org.apache.kafka.producer.", 2_000, "")], s_producer).Id);
        Assert.NotEqual(id, ClientSubscription.For([a], s_producer with { InstanceId = new Uuid(3, 4) }).Id);
    }

    internal static ClientMetricsSubscription Subscription(string name, string metrics, int intervalMs, string match) =>
        ClientMetricsConfigs.Parse(name, new Dictionary<string, string> { ["metrics"] = metrics, ["interval.ms"] = intervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture), ["match"] = match }, out _)!;
}
