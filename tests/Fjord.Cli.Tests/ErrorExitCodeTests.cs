using Fjord.Cli.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Cli.Tests;

/// <summary>Exit codes 2 (bad arguments) and 3 (broker unreachable); no broker needed.</summary>
public sealed class ErrorExitCodeTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("topics", "list")]
    [InlineData("groups", "list")]
    [InlineData("cluster", "status")]
    [InlineData("perf", "produce", "--topic", "t", "--num-records", "10")]
    public void Command_WhenBrokerUnreachable_ExitsThreeWithOneLine(params string[] args)
    {
        var closedPort = BrokerProcess.FreePort();
        var started = DateTime.UtcNow;
        var result = FjordCli.RunRaw(["--bootstrap-server", $"127.0.0.1:{closedPort}", "--timeout", "2", .. args]);
        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith($"fjord: error: cannot reach broker at 127.0.0.1:{closedPort}", result.StandardError);
        Assert.Single(result.StandardError.Trim().Split('\n'));
        output.WriteLine($"{string.Join(' ', args)} with --timeout 2 gave up after {(DateTime.UtcNow - started).TotalSeconds:F1} s");
    }

    [Fact]
    public void Produce_WhenBrokerUnreachable_ExitsThree()
    {
        var result = ExternalCommand.Run("dotnet", [FjordCli.Dll, "-b", $"127.0.0.1:{BrokerProcess.FreePort()}", "--timeout", "2", "produce", "t"], "x\n");
        Assert.Equal(3, result.ExitCode);
    }

    [Theory]
    [InlineData("topics", "lsit")]
    [InlineData("topics", "list", "--no-such-option")]
    [InlineData("topics", "list", "-o", "yaml")]
    [InlineData("topics", "create")]
    [InlineData("topics", "create", "t", "--partitions", "many")]
    [InlineData("topics", "create", "t", "--config", "no-equals-sign")]
    [InlineData("topics", "create", "t", "--partitions", "0")]
    [InlineData("produce", "t", "--acks", "2")]
    [InlineData("perf", "produce", "--topic", "t")]
    [InlineData("--timeout", "-1", "topics", "list")]
    [InlineData("--bootstrap-server", "no-port", "topics", "list")]
    public void BadArguments_ExitTwoWithMessageOnStderr(params string[] args)
    {
        var result = FjordCli.RunRaw(args);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("fjord:", result.StandardError);
        Assert.Equal(string.Empty, result.StandardOutput);
    }

    [Fact]
    public void Help_ListsEveryCommandAndExitsZero()
    {
        var result = FjordCli.RunRaw("--help");
        Assert.Equal(0, result.ExitCode);
        foreach (var command in new[] { "topics", "produce", "consume", "groups", "cluster", "perf" })
        {
            Assert.Contains(command, result.StandardOutput);
        }
    }
}
