using System.Text.Json;
using Fjord.Integration.Tests.Harness;

namespace Fjord.Integration.Tests;

/// <summary>kafka-python 2.0.2 (Debian python3-kafka) against a real broker process.</summary>
[Collection(SharedBrokerCollection.Name)]
public sealed class KafkaPythonTests(BrokerFixture fixture)
{
    [Fact]
    public void VersionProbe_InfersARecentBroker_SoItUsesRecordBatchesAndProduceV7()
    {
        var result = ExternalCommand.Python("kafka_python_probe.py", fixture.BootstrapServers);
        Assert.True(result.ExitCode == 0, result.ToString());
        var version = result.StandardOutput.Trim().Split('.').Select(int.Parse).ToArray();
        Assert.True(version[0] > 2 || (version[0] == 2 && version[1] >= 1), $"kafka-python inferred {result.StandardOutput.Trim()}, below 2.1");
    }

    [Fact]
    public void AdminProducerAndAssignedConsumer_RoundTripEveryRecord()
    {
        var topic = TestTopics.Unique("py");
        var result = ExternalCommand.Python("kafka_python_roundtrip.py", fixture.BootstrapServers, topic, "300");
        Assert.True(result.ExitCode == 0, result.ToString());

        using var report = JsonDocument.Parse(result.StandardOutput.Trim().Split('\n')[^1]);
        var root = report.RootElement;
        Assert.Equal(topic, root.GetProperty("first").GetProperty("topic").GetString());
        Assert.InRange(root.GetProperty("first").GetProperty("partition").GetInt32(), 0, 2);
        Assert.Equal(0, root.GetProperty("first").GetProperty("offset").GetInt64());
        Assert.Equal(300, root.GetProperty("consumed").GetInt32());
        Assert.Equal(3, root.GetProperty("partitions_used").GetArrayLength());
        var values = root.GetProperty("values").EnumerateArray().Select(v => v.GetString()).ToHashSet();
        // The seed's value_serializer is str(x).encode(), so the bytes b'some message' arrive as "b'some message'".
        Assert.Contains("b'some message'", values);
        Assert.All(Enumerable.Range(0, 299), i => Assert.Contains(i.ToString(), values));
    }
}
