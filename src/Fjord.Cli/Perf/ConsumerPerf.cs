using System.Diagnostics;
using Confluent.Kafka;

namespace Fjord.Cli.Perf;

/// <summary>Settings of a consumer perf run (kafka-consumer-perf-test's knobs).</summary>
public sealed record ConsumerPerfSettings(
    string Topic,
    long Messages,
    double IdleTimeoutSeconds = 5,
    string? Group = null,
    int FetchMaxBytes = 52_428_800,
    double ReportingIntervalSeconds = 5,
    bool Quiet = false);

/// <summary>
/// kafka-consumer-perf-test over Confluent.Kafka: reads a topic from the beginning by assignment
/// (or in a group) until Messages records or an idle timeout, counting records and value bytes.
/// The clock starts at the first record so connection setup does not count. Calling thread only.
/// </summary>
public static class ConsumerPerf
{
    public static PerfResult Run(ConsumerConfig baseConfig, int[] partitions, ConsumerPerfSettings settings, CancellationToken cancel = default)
    {
        var config = new ConsumerConfig(baseConfig.ToDictionary(kv => kv.Key, kv => kv.Value))
        {
            GroupId = settings.Group ?? "fjord-perf-" + Guid.NewGuid().ToString("N")[..8],
            EnableAutoCommit = settings.Group is not null,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            FetchMaxBytes = settings.FetchMaxBytes,
            MaxPartitionFetchBytes = Math.Min(settings.FetchMaxBytes, 10_485_760),
            QueuedMaxMessagesKbytes = 262_144,
            EnablePartitionEof = false,
        };
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(config).SetLogHandler((_, _) => { }).Build();
        if (settings.Group is null)
        {
            consumer.Assign(partitions.Select(p => new TopicPartitionOffset(settings.Topic, p, Offset.Beginning)));
        }
        else
        {
            consumer.Subscribe(settings.Topic);
        }

        var progress = new ProgressReporter("consumed", TimeSpan.FromSeconds(settings.ReportingIntervalSeconds), settings.Quiet);
        long records = 0, bytes = 0;
        long first = 0, last = 0;
        var idleTicks = (long)(settings.IdleTimeoutSeconds * Stopwatch.Frequency);
        var lastSeen = Stopwatch.GetTimestamp();
        while (records < settings.Messages && !cancel.IsCancellationRequested)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            var now = Stopwatch.GetTimestamp();
            if (result is null)
            {
                if (now - lastSeen > idleTicks)
                {
                    break;
                }

                progress.Tick();
                continue;
            }

            if (first == 0)
            {
                first = now;
            }

            lastSeen = last = now;
            records++;
            var size = result.Message.Value?.Length ?? 0;
            bytes += size;
            progress.Add(1, size);
            if ((records & 1023) == 0)
            {
                progress.Tick();
            }
        }

        consumer.Close();
        var seconds = first == 0 ? 0 : Math.Max(last - first, 1) / (double)Stopwatch.Frequency;
        return PerfResult.From("consume", records, bytes, seconds, 0, null);
    }
}
