using Confluent.Kafka;
using Fjord.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests;

/// <summary>SIGTERM: the broker answers what it has in hand, flushes, marks a clean shutdown and exits 0.</summary>
public sealed class ShutdownTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Sigterm_WithAnIdleConsumerConnected_ExitsCleanlyAndKeepsEveryRecord()
    {
        using var broker = BrokerProcess.Start();
        const string topic = "shutdown";
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, Acks = Acks.All }).Build())
        {
            for (var i = 0; i < 500; i++)
            {
                await producer.ProduceAsync(topic, new Message<Null, string> { Value = i.ToString() });
            }
        }

        using var idle = new ConsumerBuilder<Ignore, string>(new ConsumerConfig { BootstrapServers = broker.BootstrapServers, GroupId = "idle", EnableAutoCommit = false }).Build();
        idle.Assign(new TopicPartitionOffset(topic, 0, Offset.End));
        idle.Consume(TimeSpan.FromMilliseconds(500));

        // How long the clean shutdown takes is printed; the generous limit only turns a hang into a failure.
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(0, broker.Stop(TimeSpan.FromSeconds(120)));
        output.WriteLine($"SIGTERM to exit: {stopping.ElapsedMilliseconds} ms");
        Assert.True(File.Exists(Path.Combine(broker.DataDir, ".kafka_cleanshutdown")), "no clean-shutdown marker after SIGTERM");

        broker.Restart();
        Assert.Contains("clean shutdown: True", broker.Output);
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig { BootstrapServers = broker.BootstrapServers, GroupId = "check", EnableAutoCommit = false }).Build();
        var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10));
        Assert.Equal(500, watermarks.High.Value);
    }
}
