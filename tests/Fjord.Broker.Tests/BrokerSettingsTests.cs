using Fjord.Broker.Configuration;

namespace Fjord.Broker.Tests;

public sealed class BrokerSettingsTests : IDisposable
{
    private readonly string _configFile = Path.GetTempFileName();

    public void Dispose() => File.Delete(_configFile);

    [Fact]
    public void Load_CommandLineBeatsEnvironmentBeatsFile()
    {
        File.WriteAllText(_configFile, "# comment\nnode.id=1\nnum.partitions = 3\nlog.retention.hours: 24\nauto.create.topics.enable=false\n");
        var environment = new Dictionary<string, string?> { ["FJORD_NODE_ID"] = "2", ["FJORD_NUM_PARTITIONS"] = "4", ["PATH"] = "/bin" };
        var settings = BrokerSettingsLoader.Load(["--config", _configFile, "--node-id", "5", "--set", "num.partitions=6", "--data-dir=/tmp/x"], environment);
        var config = BrokerConfig.Create(settings);

        Assert.Equal(5, config.NodeId);
        Assert.Equal(6, config.NumPartitions);
        Assert.False(config.AutoCreateTopics);
        Assert.Equal(24L * 3_600_000, config.GetLong("log.retention.ms"));
        Assert.Equal("/tmp/x", config.DataDir);
        Assert.Contains("num.partitions", config.ExplicitKeys);
        Assert.DoesNotContain("delete.topic.enable", config.ExplicitKeys);
    }

    [Theory]
    [InlineData(new[] { "--node-id" }, "--node-id needs a value")]
    [InlineData(new[] { "--bogus", "1" }, "unknown option '--bogus'")]
    [InlineData(new[] { "--set", "num.partitions" }, "expected key=value")]
    [InlineData(new[] { "stray" }, "unexpected argument 'stray'")]
    [InlineData(new[] { "--config", "/no/such/file" }, "does not exist")]
    public void Load_BadCommandLine_SaysWhatIsWrong(string[] args, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => BrokerSettingsLoader.Load(args, new Dictionary<string, string?>()));
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("num.partitions", "zero", "must be an integer")]
    [InlineData("num.partitions", "0", "must be between 1")]
    [InlineData("auto.create.topics.enable", "yes", "true or false")]
    [InlineData("log.cleanup.policy", "shred", "is not one of")]
    [InlineData("kafka.listen", "nohost", "expected host:port")]
    [InlineData("rpc.advertised", "fjord-0.fjord-brokers", "rpc.advertised: expected host:port")]
    [InlineData("replica.selector.class", "com.example.MySelector", "replica.selector.class must be one of")]
    public void Create_BadValue_NamesTheKey(string key, string value, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => BrokerConfig.Create(new Dictionary<string, string> { [key] = value }));
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("org.apache.kafka.common.replica.LeaderReplicaSelector", false)]
    [InlineData("org.apache.kafka.common.replica.RackAwareReplicaSelector", true)]
    [InlineData("rack-aware", true)]
    public void Create_ReplicaSelectorClass_KafkasClassesAndTheShortName(string? value, bool rackAware)
    {
        var settings = new Dictionary<string, string>();
        if (value is not null) settings["replica.selector.class"] = value;
        Assert.Equal(rackAware, BrokerConfig.Create(settings).RackAwareReplicaSelector);
    }

    [Fact]
    public void Create_RpcAdvertised_DefaultsToRpcListen()
    {
        Assert.Equal("127.0.0.1:9093", BrokerConfig.Create(new Dictionary<string, string>()).RpcAdvertised);
        Assert.Equal("fjord-0.fjord-brokers.kafka.svc:9093",
            BrokerConfig.Create(new Dictionary<string, string> { ["rpc.advertised"] = "fjord-0.fjord-brokers.kafka.svc:9093" }).RpcAdvertised);
    }

    [Fact]
    public void Create_UnknownKey_IsReportedNotFatal()
    {
        var config = BrokerConfig.Create(new Dictionary<string, string> { ["listeners"] = "PLAINTEXT://:9092" });
        Assert.Equal(["listeners"], config.UnknownKeys);
    }

    [Fact]
    public void HostPort_ParsesIpv6AndNames()
    {
        Assert.True(HostPort.TryParse("[::1]:9092", out var v6));
        Assert.Equal(("::1", 9092), (v6.Host, v6.Port));
        Assert.True(HostPort.TryParse("broker-0.fjord:19092", out var named));
        Assert.Equal("broker-0.fjord:19092", named.ToString());
        Assert.False(HostPort.TryParse("broker:99999", out _));
    }
}
