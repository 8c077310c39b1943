using System.Text;
using Fjord.Integration.Tests.Harness;

namespace Fjord.Integration.Tests;

/// <summary>kcat 1.7 (librdkafka 2.0.2, Debian) against a real broker process.</summary>
[Collection(SharedBrokerCollection.Name)]
public sealed class KcatTests(BrokerFixture fixture)
{
    [Fact]
    public void ListMetadata_ShowsTheBrokerAndTopics()
    {
        var topic = TestTopics.Unique("kcat-l");
        var produce = ExternalCommand.Run("kcat", ["-b", fixture.BootstrapServers, "-P", "-t", topic], "hello\n");
        Assert.True(produce.ExitCode == 0, produce.ToString());

        var list = ExternalCommand.Run("kcat", ["-b", fixture.BootstrapServers, "-L"]);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("1 brokers:", list.StandardOutput);
        Assert.Contains($"broker 0 at 127.0.0.1:{fixture.Broker.KafkaPort}", list.StandardOutput);
        Assert.Contains($"topic \"{topic}\" with 1 partitions", list.StandardOutput);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("gzip")]
    [InlineData("snappy")]
    [InlineData("lz4")]
    [InlineData("zstd")]
    public void ProduceAndConsume_TenThousandMessagesWithKeysAndHeaders_RoundTrip(string codec)
    {
        const int count = 10_000;
        var topic = TestTopics.Unique("kcat-" + codec);
        var input = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            input.Append("key-").Append(i).Append('\t').Append("value-").Append(i).Append('\n');
        }

        var produce = ExternalCommand.Run("kcat",
            ["-b", fixture.BootstrapServers, "-P", "-t", topic, "-K", "\t", "-H", "origin=kcat", "-H", "codec=" + codec, "-z", codec,
             "-X", "linger.ms=5"],
            input.ToString());
        Assert.True(produce.ExitCode == 0, produce.ToString());

        var consume = ExternalCommand.Run("kcat",
            ["-b", fixture.BootstrapServers, "-C", "-t", topic, "-o", "beginning", "-e", "-c", count.ToString(), "-f", "%k|%s|%h|%o\n"]);
        Assert.True(consume.ExitCode == 0, consume.ToString());

        var lines = consume.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(count, lines.Length);
        for (var i = 0; i < count; i++)
        {
            var parts = lines[i].Split('|');
            Assert.Equal($"key-{i}", parts[0]);
            Assert.Equal($"value-{i}", parts[1]);
            Assert.Equal($"origin=kcat,codec={codec}", parts[2]);
            Assert.Equal(i.ToString(), parts[3]);
        }
    }
}
