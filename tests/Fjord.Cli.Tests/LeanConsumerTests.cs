using Confluent.Kafka;
using Fjord.Cli.Perf.Lean;
using Fjord.Cli.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Cli.Tests;

/// <summary>
/// The bench's lean consumer against a real fjord-broker: several partitions of many small batches, read with fetch
/// limits smaller than the data so batches straddle max_bytes, counted exactly.
/// </summary>
[Collection(SharedBrokerCollection.Name)]
public sealed class LeanConsumerTests(BrokerFixture fixture, ITestOutputHelper output)
{
    private const int Records = 30_000;
    private const int RecordSize = 100;

    [Fact]
    public async Task Run_SmallFetchLimitsOverManyBatches_ReadsEveryRecordOnce()
    {
        var topic = TestTopics.Unique("lean-consume");
        await TestTopics.CreateAsync(fixture.Broker, topic, 3);
        ProduceInSmallBatches(fixture.BootstrapServers, topic, Records);

        // 1,000-byte batches of ~10 records against limits that are not multiples of a batch: the batch that straddles
        // max_bytes is left out (Fjord) or cut (Kafka may), and the next fetch must start exactly at it. A cut batch is
        // covered by FetchedPartitionTests.
        var result = await LeanConsumer.RunAsync(fixture.BootstrapServers,
            new LeanConsumerSettings(topic, Records, RecordSize, TimeSpan.FromSeconds(120), FetchMaxBytes: 7_000, PartitionMaxBytes: 2_500));
        output.WriteLine($"{result.Records} records in {result.Seconds:F2} s ({result.RecordsPerSecond:N0} records/s)");
        Assert.Equal(Records, result.Records);
        Assert.Equal((long)Records * RecordSize, result.Bytes);
    }

    [Fact]
    public async Task Run_ExpectingMoreRecordsThanTheTopicHolds_FailsBeforeMeasuring()
    {
        var topic = TestTopics.Unique("lean-consume-short");
        await TestTopics.CreateAsync(fixture.Broker, topic, 2);
        ProduceInSmallBatches(fixture.BootstrapServers, topic, 500);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() =>
            LeanConsumer.RunAsync(fixture.BootstrapServers, new LeanConsumerSettings(topic, 501, RecordSize, TimeSpan.FromSeconds(60))));
        Assert.Contains("holds 500 offsets", e.Message);
    }

    /// <summary>Keyless records spread over the partitions, batches capped at 1,000 bytes so a topic holds many.</summary>
    internal static void ProduceInSmallBatches(string bootstrapServers, string topic, int records, string acks = "1")
    {
        var config = new ProducerConfig { BootstrapServers = bootstrapServers, BatchSize = 1_000, LingerMs = 5, Acks = acks == "all" ? Acks.All : Acks.Leader };
        using var producer = new ProducerBuilder<Null, byte[]>(config).Build();
        var value = new byte[RecordSize];
        var failed = 0;
        for (var i = 0; i < records; i++)
        {
            producer.Produce(topic, new Message<Null, byte[]> { Value = value }, report =>
            {
                if (report.Error.IsError)
                {
                    Interlocked.Increment(ref failed);
                }
            });
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
        Assert.Equal(0, failed);
    }
}
