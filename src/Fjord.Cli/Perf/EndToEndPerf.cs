using System.Buffers.Binary;
using System.Diagnostics;
using Confluent.Kafka;

namespace Fjord.Cli.Perf;

/// <summary>Settings of an end-to-end latency run at a fixed rate.</summary>
public sealed record EndToEndSettings(
    string Topic,
    long NumRecords,
    int RecordSize,
    double Rate,
    string Acks = "1",
    double LingerMs = 0,
    double ReportingIntervalSeconds = 5,
    bool Quiet = false,
    long WarmUpRecords = 1);

/// <summary>
/// Produce→consume latency: a producer sends at a fixed rate with its send time (Stopwatch ticks,
/// same process, same clock) in the first 8 bytes of each value; a consumer assigned to every
/// partition at the current end records now − send time. The producer runs on the calling
/// thread, the consumer on its own thread. Warm-up records (at least one) go first, at the same rate and through the
/// same code, and are not measured: until they have made the round trip, the producer's metadata request, its
/// connections and the first compilation of the send and receive paths are part of the latency, which made the first
/// ~100 ms of a short run dominate its p99 (a 2 s run measured p99 87 ms, a 10 s run 13 ms on the same broker).
/// </summary>
public static class EndToEndPerf
{
    public static PerfResult Run(ProducerConfig producerBase, ConsumerConfig consumerBase, int[] partitions, EndToEndSettings settings, CancellationToken cancel = default)
    {
        if (settings.RecordSize < 8)
        {
            throw CliException.BadArguments("--record-size must be at least 8 bytes for e2e (the send time travels in the value)");
        }

        var consumerConfig = new ConsumerConfig(consumerBase.ToDictionary(kv => kv.Key, kv => kv.Value))
        {
            GroupId = "fjord-e2e-" + Guid.NewGuid().ToString("N")[..8],
            EnableAutoCommit = false,
            FetchWaitMaxMs = 100,
            FetchMinBytes = 1,
            EnablePartitionEof = false,
        };
        var producerConfig = new ProducerConfig(producerBase.ToDictionary(kv => kv.Key, kv => kv.Value))
        {
            Acks = settings.Acks switch { "0" => Acks.None, "all" or "-1" => Acks.All, _ => Acks.Leader },
            LingerMs = settings.LingerMs,
            EnableIdempotence = false,
        };

        var latency = new LatencyHistogram();
        var progress = new ProgressReporter("received", TimeSpan.FromSeconds(settings.ReportingIntervalSeconds), settings.Quiet);
        long received = 0;
        long warmUpReceived = 0;
        var measureFrom = long.MaxValue;
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(consumerConfig).SetLogHandler((_, _) => { }).Build();
        var positions = partitions.Select(p =>
        {
            var tp = new TopicPartition(settings.Topic, p);
            return new TopicPartitionOffset(tp, consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High);
        }).ToList();
        consumer.Assign(positions);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var consumerThread = new Thread(() =>
        {
            while (!stop.IsCancellationRequested && Interlocked.Read(ref received) < settings.NumRecords)
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (result?.Message.Value is { Length: >= 8 } value)
                {
                    var sentAt = BinaryPrimitives.ReadInt64LittleEndian(value);
                    if (sentAt < Interlocked.Read(ref measureFrom))
                    {
                        Interlocked.Increment(ref warmUpReceived);
                        continue;
                    }

                    var elapsed = Stopwatch.GetTimestamp() - sentAt;
                    latency.RecordTicks(elapsed);
                    progress.AddLatency(elapsed * 1000.0 / Stopwatch.Frequency);
                    progress.Add(1, value.Length);
                    Interlocked.Increment(ref received);
                }
            }
        })
        { IsBackground = true, Name = "e2e-consumer" };
        consumerThread.Start();

        // The consumer thread uses the consumer until it is joined: stop and join it before anything is disposed,
        // whatever the producer side throws.
        long start;
        try
        {
            start = ProduceAtRate(producerConfig, settings, progress, warmUps => Interlocked.Read(ref warmUpReceived) >= warmUps, from => Interlocked.Exchange(ref measureFrom, from), cancel);
            var waitUntil = Stopwatch.GetTimestamp() + (10 * Stopwatch.Frequency);
            while (Interlocked.Read(ref received) < settings.NumRecords && Stopwatch.GetTimestamp() < waitUntil)
            {
                Thread.Sleep(20);
            }
        }
        finally
        {
            stop.Cancel();
            consumerThread.Join();
        }

        var seconds = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        var got = Interlocked.Read(ref received);
        return PerfResult.From("e2e", got, got * settings.RecordSize, seconds, settings.NumRecords - got, latency);
    }

    /// <summary>
    /// Sends the unmeasured warm-up records at the rate and waits until <paramref name="warmedUp"/> says they all
    /// arrived, then sends <see cref="EndToEndSettings.NumRecords"/> records at the rate, each stamped with its send
    /// time; returns the start of the measured part. A full local queue (the broker is slower than the rate) waits for
    /// deliveries instead of failing the run.
    /// </summary>
    private static long ProduceAtRate(ProducerConfig config, EndToEndSettings settings, ProgressReporter progress, Func<long, bool> warmedUp, Action<long> measureFrom, CancellationToken cancel)
    {
        using var producer = new ProducerBuilder<Null, byte[]>(config).SetLogHandler((_, _) => { }).Build();
        var payload = new byte[settings.RecordSize];
        new Random(7).NextBytes(payload);

        void Send(long index, ThroughputThrottler throttler)
        {
            var value = (byte[])payload.Clone();
            BinaryPrimitives.WriteInt64LittleEndian(value, Stopwatch.GetTimestamp());
            while (true)
            {
                try
                {
                    producer.Produce(settings.Topic, new Message<Null, byte[]> { Value = value });
                    break;
                }
                catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(10));
                }
            }

            throttler.WaitFor(index + 1);
        }

        var warmUps = Math.Max(1, settings.WarmUpRecords);
        var warmUpThrottler = new ThroughputThrottler(settings.Rate);
        for (long i = 0; i < warmUps && !cancel.IsCancellationRequested; i++)
        {
            Send(i, warmUpThrottler);
        }

        producer.Flush(TimeSpan.FromSeconds(30));
        var warmUpDeadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
        while (!warmedUp(warmUps) && Stopwatch.GetTimestamp() < warmUpDeadline && !cancel.IsCancellationRequested)
        {
            Thread.Sleep(5);
        }

        var throttler = new ThroughputThrottler(settings.Rate);
        var start = Stopwatch.GetTimestamp();
        measureFrom(start);
        for (long sent = 0; sent < settings.NumRecords && !cancel.IsCancellationRequested; sent++)
        {
            Send(sent, throttler);
            if ((sent & 127) == 0)
            {
                progress.Tick();
            }
        }

        producer.Flush(TimeSpan.FromSeconds(30));
        return start;
    }
}
