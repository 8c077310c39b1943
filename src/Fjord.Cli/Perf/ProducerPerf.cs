using System.Diagnostics;
using Confluent.Kafka;

namespace Fjord.Cli.Perf;

/// <summary>Settings of a producer perf run (kafka-producer-perf-test's knobs).</summary>
public sealed record ProducerPerfSettings(
    string Topic,
    long NumRecords,
    int RecordSize,
    double Throughput,
    string Acks = "1",
    int BatchSize = 131072,
    double LingerMs = 5,
    string Compression = "none",
    bool Idempotence = false,
    double MaxSeconds = 0,
    double ReportingIntervalSeconds = 5,
    bool Quiet = false,
    long WarmUpRecords = 0);

/// <summary>
/// kafka-producer-perf-test over Confluent.Kafka: sends NumRecords random (incompressible) values
/// of RecordSize bytes, optionally throttled, and measures send→ack latency of every record.
/// Runs on the calling thread; delivery reports arrive on librdkafka's poll thread. WarmUpRecords are sent and
/// acknowledged first and not measured (Kafka's --warmup-records, KIP-1052): until then the producer's metadata request
/// and connections are part of the latency, which made the first records of a short light-load run its p99.
/// </summary>
public static class ProducerPerf
{
    public static PerfResult Run(ProducerConfig baseConfig, ProducerPerfSettings settings, CancellationToken cancel = default)
    {
        var config = new ProducerConfig(baseConfig.ToDictionary(kv => kv.Key, kv => kv.Value))
        {
            Acks = settings.Acks switch { "0" => Acks.None, "all" or "-1" => Acks.All, _ => Acks.Leader },
            BatchSize = settings.BatchSize,
            LingerMs = settings.LingerMs,
            CompressionType = Enum.Parse<CompressionType>(settings.Compression, ignoreCase: true),
            EnableIdempotence = settings.Idempotence,
            QueueBufferingMaxKbytes = 1024 * 1024,
            QueueBufferingMaxMessages = 1_000_000,
            MessageTimeoutMs = 60_000,
        };

        var payload = new byte[settings.RecordSize];
        new Random(42).NextBytes(payload);
        var latency = new LatencyHistogram();
        var progress = new ProgressReporter("sent", TimeSpan.FromSeconds(settings.ReportingIntervalSeconds), settings.Quiet);
        long acked = 0, errors = 0;
        Error? firstError = null;

        using var producer = new ProducerBuilder<Null, byte[]>(config).SetLogHandler((_, _) => { }).Build();
        var message = new Message<Null, byte[]> { Value = payload };
        var measuring = false;

        // One send for warm-up and measured records alike, so the warm-up runs (and JIT-compiles) exactly the code the
        // measured records run: warming up through a different Produce overload left the first measured acknowledgements
        // to wait tens of milliseconds for the delivery-handler path to compile, a light-load run's whole p99.9.
        void Send(long index, ThroughputThrottler throttler)
        {
            var sendTime = Stopwatch.GetTimestamp();
            var measured = measuring;
            while (true)
            {
                try
                {
                    producer.Produce(settings.Topic, message, report =>
                    {
                        if (!measured)
                        {
                            return;
                        }

                        if (report.Error.IsError)
                        {
                            Interlocked.Increment(ref errors);
                            Interlocked.CompareExchange(ref firstError, report.Error, null);
                            return;
                        }

                        var elapsed = Stopwatch.GetTimestamp() - sendTime;
                        latency.RecordTicks(elapsed);
                        progress.AddLatency(elapsed * 1000.0 / Stopwatch.Frequency);
                        Interlocked.Increment(ref acked);
                    });
                    break;
                }
                catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(1));
                }
            }

            throttler.WaitFor(index + 1);
        }

        var warmUpThrottler = new ThroughputThrottler(settings.Throughput);
        for (long i = 0; i < settings.WarmUpRecords && !cancel.IsCancellationRequested; i++)
        {
            Send(i, warmUpThrottler);
        }

        producer.Flush(TimeSpan.FromSeconds(30));
        measuring = true;
        var throttler = new ThroughputThrottler(settings.Throughput);
        var start = Stopwatch.GetTimestamp();
        var deadline = settings.MaxSeconds > 0 ? start + (long)(settings.MaxSeconds * Stopwatch.Frequency) : long.MaxValue;
        long sent = 0;
        for (; sent < settings.NumRecords && !cancel.IsCancellationRequested; sent++)
        {
            if ((sent & 1023) == 0 && Stopwatch.GetTimestamp() > deadline)
            {
                break;
            }

            Send(sent, throttler);
            progress.Add(1, settings.RecordSize);
            if ((sent & 255) == 0)
            {
                progress.Tick();
            }
        }

        while (producer.Flush(TimeSpan.FromMilliseconds(500)) > 0)
        {
            progress.Tick();
            if (Stopwatch.GetTimestamp() - start > (long)((settings.MaxSeconds > 0 ? settings.MaxSeconds : 3600) + 60) * Stopwatch.Frequency)
            {
                throw CliException.Unreachable($"timed out waiting for acknowledgements of {producer.Flush(TimeSpan.Zero)} records");
            }
        }

        var seconds = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        if (acked == 0 && errors > 0)
        {
            throw ErrorMapping.FromError(firstError!);
        }

        return PerfResult.From("produce", acked, acked * settings.RecordSize, seconds, errors, latency);
    }
}
