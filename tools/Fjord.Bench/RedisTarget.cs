using System.Buffers.Binary;
using System.Diagnostics;
using Fjord.Cli.Perf;
using StackExchange.Redis;

namespace Fjord.Bench;

/// <summary>
/// Redis Streams (Debian redis-server): XADD pipelined through StackExchange.Redis with a window
/// of in-flight commands; N partitions are N stream keys written round-robin; reads with XRANGE
/// batches; end-to-end with XREAD BLOCK on a second connection.
/// </summary>
public sealed class RedisTarget : IBenchTarget
{
    private const int Window = 1000;
    private readonly ConnectionMultiplexer _redis;
    private readonly string _endpoint;

    public RedisTarget(string appendMode, string dataRoot)
    {
        var port = FjordTarget.FreePort();
        _endpoint = $"127.0.0.1:{port}";
        var dataDir = Path.Combine(dataRoot, "redis-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dataDir);
        var args = new List<string> { "--port", port.ToString(), "--bind", "127.0.0.1", "--dir", dataDir, "--save", "", "--protected-mode", "no" };
        args.AddRange(appendMode == "no" ? ["--appendonly", "no"] : ["--appendonly", "yes", "--appendfsync", appendMode]);
        Durability = appendMode == "no" ? "appendonly no" : $"appendfsync {appendMode}";
        Server = ServerProcess.Start("redis-server", args, port, dataDir);
        _redis = ConnectionMultiplexer.Connect(new ConfigurationOptions { EndPoints = { _endpoint }, AbortOnConnectFail = false, AllowAdmin = true, SyncTimeout = 30_000, AsyncTimeout = 30_000 });
    }

    public string System => "Redis Streams";

    public string Durability { get; }

    private ServerProcess Server { get; }

    public double ServerCpuSeconds() => Server.CpuSeconds();

    public async Task<string> PrepareAsync(int recordSize, int partitions)
    {
        // Streams live in memory: start every workload from an empty server.
        await _redis.GetDatabase().ExecuteAsync("FLUSHALL");
        return $"bench-{recordSize}-{partitions}";
    }

    private static RedisKey Key(string name, int partition) => $"{name}:{partition}";

    public async Task<PerfResult> ProduceAsync(string name, int recordSize, int partitions, TimeSpan duration, long maxRecords)
    {
        var db = _redis.GetDatabase();
        var payload = new byte[recordSize];
        new Random(42).NextBytes(payload);
        RedisValue value = payload;
        var latency = new LatencyHistogram();
        var inFlight = new Task[Window];
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long sent = 0;
        async Task One(RedisKey key, long t0)
        {
            await db.StreamAddAsync(key, "v", value);
            latency.RecordTicks(Stopwatch.GetTimestamp() - t0);
        }

        for (; sent < maxRecords && ((sent & 255) != 0 || Stopwatch.GetTimestamp() < end); sent++)
        {
            var slot = (int)(sent % Window);
            if (inFlight[slot] is { } previous)
            {
                await previous;
            }

            inFlight[slot] = One(Key(name, (int)(sent % partitions)), Stopwatch.GetTimestamp());
        }

        await Task.WhenAll(inFlight.Where(t => t is not null));
        var seconds = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        return PerfResult.From("produce", sent, sent * recordSize, seconds, 0, latency);
    }

    public async Task<PerfResult> ConsumeAsync(string name, int recordSize, int partitions, long records, TimeSpan maxDuration)
    {
        var db = _redis.GetDatabase();
        long count = 0, bytes = 0;
        var start = Stopwatch.GetTimestamp();
        for (var p = 0; p < partitions; p++)
        {
            RedisValue from = "-";
            while (true)
            {
                var entries = await db.StreamRangeAsync(Key(name, p), from, "+", 1000);
                foreach (var entry in entries)
                {
                    bytes += ((byte[])entry.Values[0].Value!).Length;
                }

                count += entries.Length;
                if (entries.Length < 1000)
                {
                    break;
                }

                from = "(" + entries[^1].Id;
            }
        }

        var seconds = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        return PerfResult.From("consume", count, bytes, seconds, 0, null);
    }

    public async Task<PerfResult> EndToEndAsync(string name, int recordSize, int partitions, double rate, TimeSpan duration)
    {
        var total = (long)(rate * duration.TotalSeconds);
        var key = Key(name + "-e2e", 0);
        var latency = new LatencyHistogram();
        long received = 0;
        using var stop = new CancellationTokenSource();
        using var reader = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { _endpoint }, SyncTimeout = 30_000, AsyncTimeout = 30_000 });
        var consumer = Task.Run(async () =>
        {
            var readerDb = reader.GetDatabase();
            var last = "$";
            while (!stop.IsCancellationRequested && Interlocked.Read(ref received) < total)
            {
                // XREAD BLOCK on a connection of its own, so the blocked read delays nothing else.
                var result = await readerDb.ExecuteAsync("XREAD", "COUNT", "1000", "BLOCK", "200", "STREAMS", (string)key!, last);
                if (result.IsNull)
                {
                    continue;
                }

                foreach (var (id, value) in Entries(result))
                {
                    if (value.Length >= 8)
                    {
                        latency.RecordTicks(Stopwatch.GetTimestamp() - BinaryPrimitives.ReadInt64LittleEndian(value));
                        Interlocked.Increment(ref received);
                    }

                    last = id;
                }
            }
        });
        await Task.Delay(300);
        var db = _redis.GetDatabase();
        var throttler = new ThroughputThrottler(rate);
        var payload = new byte[recordSize];
        var start = Stopwatch.GetTimestamp();
        for (long i = 0; i < total; i++)
        {
            var value = (byte[])payload.Clone();
            BinaryPrimitives.WriteInt64LittleEndian(value, Stopwatch.GetTimestamp());
            _ = db.StreamAddAsync(key, "v", value, flags: CommandFlags.FireAndForget);
            throttler.WaitFor(i + 1);
        }

        var waitUntil = DateTime.UtcNow.AddSeconds(10);
        while (Interlocked.Read(ref received) < total && DateTime.UtcNow < waitUntil)
        {
            await Task.Delay(20);
        }

        stop.Cancel();
        await consumer;
        var seconds = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        return PerfResult.From("e2e", received, received * recordSize, seconds, total - received, latency);
    }

    /// <summary>Walks an XREAD reply (RESP2 arrays or RESP3 maps) to (id, value) pairs.</summary>
    private static IEnumerable<(string Id, byte[] Value)> Entries(RedisResult result)
    {
        var stack = new Stack<RedisResult>();
        stack.Push(result);
        var found = new List<(string, byte[])>();
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (node.Resp2Type != ResultType.Array && node.Resp3Type is not (ResultType.Array or ResultType.Map))
            {
                continue;
            }

            var children = (RedisResult[])node!;
            // An entry is [id, [field, value]].
            if (children.Length == 2 && children[0].Resp2Type == ResultType.BulkString && children[1].Resp2Type == ResultType.Array
                && ((RedisResult[])children[1]!) is { Length: 2 } fields && fields[0].ToString() == "v")
            {
                found.Add((children[0].ToString()!, (byte[])fields[1]!));
                continue;
            }

            for (var i = children.Length - 1; i >= 0; i--)
            {
                stack.Push(children[i]);
            }
        }

        return found;
    }

    public void Dispose()
    {
        _redis.Dispose();
        Server.Dispose();
    }
}
