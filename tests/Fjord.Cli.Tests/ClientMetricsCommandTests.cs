using Fjord.Cli.Tests.Harness;

namespace Fjord.Cli.Tests;

[Collection(SharedBrokerCollection.Name)]
public sealed class ClientMetricsCommandTests(BrokerFixture fixture)
{
    private readonly string _bootstrap = fixture.BootstrapServers;

    [Fact]
    public void SetListDelete_ManageASubscription_AndBadValuesGetInvalidConfig()
    {
        var name = "cli-" + Guid.NewGuid().ToString("N")[..8];
        // A match no client of the shared broker has, so no other test's clients start pushing.
        FjordCli.Ok(FjordCli.Run(_bootstrap, "client-metrics", "set", name, "--metrics", "org.apache.kafka.producer.", "--interval", "10000", "--match", $"client_id={name}"));
        FjordCli.Ok(FjordCli.Run(_bootstrap, "client-metrics", "set", name, "--interval", "20000"));

        var json = FjordCli.Json(FjordCli.Run(_bootstrap, "client-metrics", "list", "-o", "json"));
        var subscription = json.GetProperty("subscriptions").EnumerateArray().Single(s => s.GetProperty("name").GetString() == name);
        Assert.Equal("org.apache.kafka.producer.", subscription.GetProperty("metrics").GetString());
        Assert.Equal("20000", subscription.GetProperty("interval_ms").GetString());
        Assert.Equal($"client_id={name}", subscription.GetProperty("match").GetString());
        Assert.Contains(name, FjordCli.Ok(FjordCli.Run(_bootstrap, "client-metrics", "list")).StandardOutput);

        var tooShort = FjordCli.Run(_bootstrap, "client-metrics", "set", name, "--interval", "5");
        Assert.Equal(1, tooShort.ExitCode);
        Assert.Contains("INVALID_CONFIG", tooShort.StandardError);
        var badMatch = FjordCli.Run(_bootstrap, "client-metrics", "set", name, "--match", "client_rack=a");
        Assert.Equal(1, badMatch.ExitCode);
        Assert.Contains("INVALID_CONFIG", badMatch.StandardError);
        Assert.Equal(2, FjordCli.Run(_bootstrap, "client-metrics", "set", name).ExitCode);

        FjordCli.Ok(FjordCli.Run(_bootstrap, "client-metrics", "delete", name));
        Assert.DoesNotContain(name, FjordCli.Ok(FjordCli.Run(_bootstrap, "client-metrics", "list")).StandardOutput);
    }
}
