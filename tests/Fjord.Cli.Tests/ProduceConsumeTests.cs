using System.Text.Json;
using Fjord.Cli.Tests.Harness;

namespace Fjord.Cli.Tests;

[Collection(SharedBrokerCollection.Name)]
public sealed class ProduceConsumeTests(BrokerFixture fixture)
{
    private readonly string _bootstrap = fixture.BootstrapServers;

    [Fact]
    public void Produce_FromStdinWithKeysAndHeaders_ConsumeJsonShowsThem()
    {
        var topic = TestTopics.Unique("cli-pc");
        FjordCli.Ok(FjordCli.Run(_bootstrap, "topics", "create", topic, "-p", "1"));
        var produced = FjordCli.Ok(FjordCli.RunWithInput(_bootstrap, "k1:hello\nk2:world\nno-key-line\n", "produce", topic, "--key-separator", ":", "--header", "origin=test", "--acks", "all"));
        Assert.Contains("produced 3 records", produced.StandardError);

        var consumed = FjordCli.Ok(FjordCli.Run(_bootstrap, "consume", topic, "--from-beginning", "--exit-at-end", "-o", "json"));
        var records = consumed.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["hello", "world", "no-key-line"], records.Select(r => r.GetProperty("value").GetString()));
        Assert.Equal(["k1", "k2", null], records.Select(r => r.GetProperty("key").GetString()));
        Assert.Equal([0L, 1L, 2L], records.Select(r => r.GetProperty("offset").GetInt64()));
        Assert.All(records, r => Assert.Equal("test", r.GetProperty("headers").GetProperty("origin").GetString()));
    }

    [Fact]
    public void Produce_FromFile_ConsumeTextFromOffsetAndTimestamp()
    {
        var topic = TestTopics.Unique("cli-file");
        FjordCli.Ok(FjordCli.Run(_bootstrap, "topics", "create", topic, "-p", "1"));
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(file, Enumerable.Range(0, 10).Select(i => $"line-{i}"));
            FjordCli.Ok(FjordCli.Run(_bootstrap, "produce", topic, "--file", file, "--partition", "0"));
        }
        finally
        {
            File.Delete(file);
        }

        var all = FjordCli.Ok(FjordCli.Run(_bootstrap, "consume", topic, "--from-beginning", "-n", "10")).StandardOutput;
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"line-{i}"), all.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var fromOffset = FjordCli.Ok(FjordCli.Run(_bootstrap, "consume", topic, "--offset", "7", "--exit-at-end")).StandardOutput;
        Assert.Equal(["line-7", "line-8", "line-9"], fromOffset.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var fromTime = FjordCli.Ok(FjordCli.Run(_bootstrap, "consume", topic, "--from-timestamp", "0", "-n", "2", "--print-key")).StandardOutput;
        Assert.Equal(["null\tline-0", "null\tline-1"], fromTime.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Consume_UnknownTopic_ExitsOne()
    {
        var result = FjordCli.Run(_bootstrap, "consume", "no-such-topic-consume", "--exit-at-end");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("unknown topic 'no-such-topic-consume'", result.StandardError);
    }

    [Fact]
    public void Consume_ConflictingStartOptions_ExitsTwo()
    {
        var result = FjordCli.Run(_bootstrap, "consume", "whatever", "--from-beginning", "--offset", "3");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("at most one of", result.StandardError);
    }
}
