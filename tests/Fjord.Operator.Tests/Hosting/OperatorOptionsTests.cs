using Fjord.Operator.Hosting;

namespace Fjord.Operator.Tests.Hosting;

public class OperatorOptionsTests
{
    [Fact]
    public void Parse_NoArguments_WatchesAllNamespacesWithLeaderElection()
    {
        var options = OperatorOptions.Parse([]);

        Assert.Null(options.Namespace);
        Assert.True(options.LeaderElect);
        Assert.Equal("0.0.0.0:8080", options.HttpListen);
    }

    [Fact]
    public void Parse_NamespaceAndKubeconfig_AreKept()
    {
        var options = OperatorOptions.Parse(["run", "--namespace", "kafka", "--kubeconfig", "/tmp/kc", "--leader-elect", "false", "--http-listen", "127.0.0.1:8081"]);

        Assert.Equal(("kafka", "/tmp/kc", false, "127.0.0.1:8081", "kafka"),
            (options.Namespace, options.KubeConfig, options.LeaderElect, options.HttpListen, options.LeaseNamespace));
    }

    [Fact]
    public void Parse_NamespaceAll_MeansClusterWide()
    {
        Assert.Null(OperatorOptions.Parse(["--namespace", "all"]).Namespace);
    }

    [Theory]
    [InlineData("--bogus", "1")]
    [InlineData("--namespace")]
    public void Parse_UnknownOrIncomplete_Throws(params string[] args)
    {
        Assert.Throws<ArgumentException>(() => OperatorOptions.Parse(args));
    }
}
