using Fjord.Cli.Perf.Lean;
using Fjord.Integration.Tests.Cluster;
using Xunit.Abstractions;

namespace Fjord.Cli.Tests;

/// <summary>The lean consumer against 3 real brokers: partitions led by different nodes, one connection per leader.</summary>
public sealed class LeanConsumerThreeNodeTests(ThreeNodeClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ThreeNodeClusterFixture>
{
    [Fact]
    public async Task Run_PartitionsLedByDifferentBrokers_ReadsEveryRecordFromItsLeader()
    {
        const int records = 12_000;
        var bootstrap = fixture.Cluster.BootstrapServers;
        var topic = TestTopics.Unique("lean-consume-3");
        ClusterClient.CreateTopic(bootstrap, topic, 6, 3, TimeSpan.FromSeconds(60));
        Dictionary<int, int>? leaders = null;
        Eventually.True(() => (leaders = ClusterClient.Leaders(bootstrap, topic)) is { Count: 6 } l && l.Values.All(id => id >= 0),
            TimeSpan.FromSeconds(30), () => $"leaders for the 6 partitions of {topic}\n{fixture.Cluster.Output}");
        output.WriteLine($"leaders: {string.Join(", ", leaders!.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}→{kv.Value}"))}");
        Assert.True(leaders!.Values.Distinct().Count() > 1, "the partitions of a 6-partition topic on 3 brokers should not all be led by one broker");

        LeanConsumerTests.ProduceInSmallBatches(bootstrap, topic, records, acks: "all");
        var result = await LeanConsumer.RunAsync(bootstrap, new LeanConsumerSettings(topic, records, 100, TimeSpan.FromSeconds(120), PartitionMaxBytes: 4_000));
        output.WriteLine($"{result.Records} records in {result.Seconds:F2} s");
        Assert.Equal(records, result.Records);
    }
}
