using System.Collections.Concurrent;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests;

/// <summary>
/// kill -9 the broker while a Confluent.Kafka producer (acks=1) writes, restart it, and check
/// that every acknowledged record is there exactly once, at the offset it was acknowledged with.
/// Retries are off so that no unacknowledged attempt can come back as a duplicate.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KillDashNineThreeTimesWhileProducing_EveryAcknowledgedRecordSurvivesOnce()
    {
        const int total = 200_000;
        const int partitions = 3;
        using var broker = BrokerProcess.Start();
        var topic = "crash-" + Guid.NewGuid().ToString("N")[..8];
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
        }

        var acknowledged = new ConcurrentDictionary<int, TopicPartitionOffset>();
        var failed = 0;
        var kills = 0;
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            Acks = Acks.Leader,
            MessageSendMaxRetries = 0,
            LingerMs = 2,
            MessageTimeoutMs = 120_000,
            ReconnectBackoffMs = 50,
            ReconnectBackoffMaxMs = 500,
        }).Build())
        {
            for (var i = 0; i < total; i++)
            {
                var value = i;
                while (true)
                {
                    try
                    {
                        producer.Produce(topic, new Message<Null, string> { Value = value.ToString() }, report =>
                        {
                            if (report.Error.IsError)
                            {
                                Interlocked.Increment(ref failed);
                            }
                            else
                            {
                                acknowledged[value] = report.TopicPartitionOffset;
                            }
                        });
                        break;
                    }
                    catch (ProduceException<Null, string> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(50));
                    }
                }

                if (kills < 3 && i == (kills + 1) * total / 4)
                {
                    Eventually.True(() => { producer.Poll(TimeSpan.FromMilliseconds(10)); return acknowledged.Count > i / 2; }, TimeSpan.FromSeconds(60), "the producer got acknowledgements before the kill");
                    broker.Kill();
                    kills++;
                    broker.Restart();
                }
            }

            producer.Flush(TimeSpan.FromSeconds(120));
        }

        output.WriteLine($"produced {total}, acknowledged {acknowledged.Count}, failed {failed}, kills {kills}");
        Assert.Equal(3, kills);
        Assert.True(acknowledged.Count > total / 2, $"only {acknowledged.Count} of {total} were acknowledged");

        var seen = new Dictionary<int, TopicPartitionOffset>();
        using (var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig { BootstrapServers = broker.BootstrapServers, GroupId = "check-" + topic, EnableAutoCommit = false }).Build())
        {
            var highWatermarks = Enumerable.Range(0, partitions).Select(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value).ToArray();
            consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
            var remaining = highWatermarks.Sum();
            var lastOffset = new long[partitions];
            Array.Fill(lastOffset, -1);
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (remaining > 0 && DateTime.UtcNow < deadline)
            {
                var record = consumer.Consume(TimeSpan.FromSeconds(1));
                if (record is null)
                {
                    continue;
                }

                Assert.True(record.Offset.Value > lastOffset[record.Partition.Value], "offsets went backwards");
                lastOffset[record.Partition.Value] = record.Offset.Value;
                var value = int.Parse(record.Message.Value);
                Assert.False(seen.ContainsKey(value), $"record {value} was read twice");
                seen[value] = record.TopicPartitionOffset;
                remaining--;
            }

            Assert.Equal(0, remaining);
        }

        var lost = acknowledged.Where(a => !seen.ContainsKey(a.Key)).Select(a => a.Key).Take(10).ToList();
        Assert.True(lost.Count == 0, $"acknowledged records missing after recovery: {string.Join(", ", lost)}");
        foreach (var (value, position) in acknowledged)
        {
            Assert.Equal(position, seen[value]);
        }
    }

    [Fact]
    public async Task CommittedOffsets_SurviveKillDashNine_AndTheGroupResumesExactlyThere()
    {
        using var broker = BrokerProcess.Start("group.initial.rebalance.delay.ms=0");
        var topic = "resume-" + Guid.NewGuid().ToString("N")[..8];
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
        }

        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            for (var i = 0; i < 100; i++)
            {
                await producer.ProduceAsync(topic, new Message<Null, string> { Value = i.ToString() });
            }
        }

        var config = new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = "resume",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        using (var consumer = new ConsumerBuilder<Ignore, string>(config).Build())
        {
            consumer.Subscribe(topic);
            ConsumeResult<Ignore, string>? last = null;
            Eventually.True(() => (last = consumer.Consume(TimeSpan.FromMilliseconds(200)) ?? last)?.Message.Value == "41", TimeSpan.FromSeconds(60), "the consumer reached record 41");
            consumer.Commit(last!);
        }

        broker.Kill();
        broker.Restart();

        using var resumed = new ConsumerBuilder<Ignore, string>(config).Build();
        resumed.Subscribe(topic);
        ConsumeResult<Ignore, string>? first = null;
        Eventually.True(() => (first = resumed.Consume(TimeSpan.FromMilliseconds(200))) is not null, TimeSpan.FromSeconds(60), "the restarted group delivered a record");
        Assert.Equal("42", first!.Message.Value);
        Assert.Equal(42, first.Offset.Value);
        output.WriteLine($"resumed at offset {first.Offset.Value} after kill -9");
    }

    [Fact]
    public async Task IdempotentProducerRetriesAcrossKillDashNine_LeaveNoDuplicates()
    {
        const int total = 60_000;
        using var broker = BrokerProcess.Start();
        var topic = "idem-" + Guid.NewGuid().ToString("N")[..8];
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 2, ReplicationFactor = 1 }]);
        }

        var acknowledged = new ConcurrentDictionary<int, TopicPartitionOffset>();
        var failed = 0;
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            EnableIdempotence = true,
            LingerMs = 2,
            MessageTimeoutMs = 120_000,
            ReconnectBackoffMs = 50,
            ReconnectBackoffMaxMs = 500,
        }).Build())
        {
            for (var i = 0; i < total; i++)
            {
                var value = i;
                while (true)
                {
                    try
                    {
                        producer.Produce(topic, new Message<Null, string> { Value = value.ToString() }, report =>
                        {
                            if (report.Error.IsError)
                            {
                                Interlocked.Increment(ref failed);
                            }
                            else
                            {
                                acknowledged[value] = report.TopicPartitionOffset;
                            }
                        });
                        break;
                    }
                    catch (ProduceException<Null, string> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(50));
                    }
                }

                // Kill while batches are in flight: librdkafka retries them with their original
                // sequence numbers, and the restarted broker must recognise them from the log.
                if (i == total / 3 || i == 2 * total / 3)
                {
                    broker.Kill();
                    broker.Restart();
                }
            }

            producer.Flush(TimeSpan.FromSeconds(120));
        }

        output.WriteLine($"idempotent: produced {total}, acknowledged {acknowledged.Count}, failed {failed}");
        var seen = new HashSet<int>();
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig { BootstrapServers = broker.BootstrapServers, GroupId = "check-" + topic, EnableAutoCommit = false }).Build();
        var remaining = Enumerable.Range(0, 2).Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value);
        consumer.Assign(Enumerable.Range(0, 2).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (remaining > 0 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is { } record)
            {
                Assert.True(seen.Add(int.Parse(record.Message.Value)), $"record {record.Message.Value} is in the log twice");
                remaining--;
            }
        }

        Assert.Equal(0, remaining);
        Assert.Equal(total, acknowledged.Count + failed);
        Assert.All(acknowledged.Keys, value => Assert.Contains(value, seen));
    }
}
