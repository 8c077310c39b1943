using System.Buffers.Binary;
using System.Diagnostics;
using Fjord.Cli.Perf;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Net;

namespace Fjord.Bench;

/// <summary>
/// NATS JetStream (Debian nats-server -js), file storage, replicas 1, through NATS.Net: publishes
/// with a window of in-flight acknowledged publishes; N partitions are N streams written
/// round-robin; reads with a consumer (AckPolicy none) per stream.
/// </summary>
public sealed class NatsTarget : IBenchTarget
{
    private const int Window = 1000;
    private readonly NatsConnection _nats;
    private readonly INatsJSContext _js;

    public NatsTarget(string dataRoot)
    {
        var port = FjordTarget.FreePort();
        var dataDir = Path.Combine(dataRoot, "nats-" + Guid.NewGuid().ToString("N")[..8]);
        Server = ServerProcess.Start("nats-server", ["-js", "-sd", dataDir, "-a", "127.0.0.1", "-p", port.ToString()], port, dataDir);
        _nats = new NatsConnection(new NatsOpts { Url = $"nats://127.0.0.1:{port}", CommandTimeout = TimeSpan.FromSeconds(30), RequestTimeout = TimeSpan.FromSeconds(30) });
        _nats.ConnectAsync().AsTask().GetAwaiter().GetResult();
        _js = _nats.CreateJetStreamContext();
    }

    public string System => "NATS JetStream";

    public string Durability => "file storage, R1 (default sync)";

    private ServerProcess Server { get; }

    public double ServerCpuSeconds() => Server.CpuSeconds();

    private static string Stream(string name, int partition) => $"{name}_{partition}";

    private static string Subject(string name, int partition) => $"{name}.{partition}";

    public async Task<string> PrepareAsync(int recordSize, int partitions)
    {
        var name = $"b{recordSize}x{partitions}{Guid.NewGuid().ToString("N")[..4]}";
        for (var p = 0; p < partitions; p++)
        {
            await _js.CreateStreamAsync(new StreamConfig(Stream(name, p), [Subject(name, p)]) { Storage = StreamConfigStorage.File });
        }

        return name;
    }

    public async Task<PerfResult> ProduceAsync(string name, int recordSize, int partitions, TimeSpan duration, long maxRecords)
    {
        var payload = new byte[recordSize];
        new Random(42).NextBytes(payload);
        var latency = new LatencyHistogram();
        var inFlight = new Task[Window];
        long errors = 0;
        var subjects = Enumerable.Range(0, partitions).Select(p => Subject(name, p)).ToArray();
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        async Task One(string subject, long t0)
        {
            var ack = await _js.PublishAsync(subject, payload);
            if (ack.Error is not null)
            {
                Interlocked.Increment(ref errors);
                return;
            }

            latency.RecordTicks(Stopwatch.GetTimestamp() - t0);
        }

        long sent = 0;
        for (; sent < maxRecords && ((sent & 255) != 0 || Stopwatch.GetTimestamp() < end); sent++)
        {
            var slot = (int)(sent % Window);
            if (inFlight[slot] is { } previous)
            {
                await previous;
            }

            inFlight[slot] = One(subjects[sent % partitions], Stopwatch.GetTimestamp());
        }

        await Task.WhenAll(inFlight.Where(t => t is not null));
        var seconds = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        var ok = sent - errors;
        return PerfResult.From("produce", ok, ok * recordSize, seconds, errors, latency);
    }

    public async Task<PerfResult> ConsumeAsync(string name, int recordSize, int partitions, long records, TimeSpan maxDuration)
    {
        long count = 0, bytes = 0;
        var perStream = new long[partitions];
        for (var p = 0; p < partitions; p++)
        {
            var stream = await _js.GetStreamAsync(Stream(name, p));
            perStream[p] = (long)stream.Info.State.Messages;
        }

        var start = Stopwatch.GetTimestamp();
        using var timeout = new CancellationTokenSource(maxDuration);
        for (var p = 0; p < partitions && !timeout.IsCancellationRequested; p++)
        {
            if (perStream[p] == 0)
            {
                continue;
            }

            var consumer = await _js.CreateOrUpdateConsumerAsync(Stream(name, p), new ConsumerConfig { AckPolicy = ConsumerConfigAckPolicy.None, DeliverPolicy = ConsumerConfigDeliverPolicy.All });
            long got = 0;
            try
            {
                await foreach (var msg in consumer.ConsumeAsync<byte[]>(opts: new NatsJSConsumeOpts { MaxMsgs = 5000 }, cancellationToken: timeout.Token))
                {
                    bytes += msg.Data?.Length ?? 0;
                    if (++got >= perStream[p])
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }

            count += got;
        }

        var seconds = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        return PerfResult.From("consume", count, bytes, seconds, 0, null);
    }

    public async Task<PerfResult> EndToEndAsync(string name, int recordSize, int partitions, double rate, TimeSpan duration)
    {
        var total = (long)(rate * duration.TotalSeconds);
        var latency = new LatencyHistogram();
        long received = 0;
        using var stop = new CancellationTokenSource();
        var consumer = await _js.CreateOrUpdateConsumerAsync(Stream(name, 0), new ConsumerConfig { AckPolicy = ConsumerConfigAckPolicy.None, DeliverPolicy = ConsumerConfigDeliverPolicy.New });
        var reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var msg in consumer.ConsumeAsync<byte[]>(opts: new NatsJSConsumeOpts { MaxMsgs = 1000 }, cancellationToken: stop.Token))
                {
                    if (msg.Data is { Length: >= 8 } value)
                    {
                        latency.RecordTicks(Stopwatch.GetTimestamp() - BinaryPrimitives.ReadInt64LittleEndian(value));
                    }

                    if (Interlocked.Increment(ref received) >= total)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        await Task.Delay(300);
        var throttler = new ThroughputThrottler(rate);
        var payload = new byte[recordSize];
        var subject = Subject(name, 0);
        var pending = new List<Task>();
        var start = Stopwatch.GetTimestamp();
        for (long i = 0; i < total; i++)
        {
            var value = (byte[])payload.Clone();
            BinaryPrimitives.WriteInt64LittleEndian(value, Stopwatch.GetTimestamp());
            pending.Add(_js.PublishAsync(subject, value).AsTask());
            if (pending.Count >= Window)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }

            throttler.WaitFor(i + 1);
        }

        await Task.WhenAll(pending);
        var waitUntil = DateTime.UtcNow.AddSeconds(10);
        while (Interlocked.Read(ref received) < total && DateTime.UtcNow < waitUntil)
        {
            await Task.Delay(20);
        }

        stop.Cancel();
        await reading;
        var seconds = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        var got = Interlocked.Read(ref received);
        return PerfResult.From("e2e", got, got * recordSize, seconds, total - got, latency);
    }

    public void Dispose()
    {
        _nats.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Server.Dispose();
    }
}
