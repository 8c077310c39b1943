using System.Diagnostics;
using Confluent.Kafka;

namespace Fjord.Operator.EndToEnd.Tests;

/// <summary>
/// A Confluent.Kafka acks=all idempotent producer that sends numbered records in the background until stopped,
/// remembers every record the cluster acknowledged, and measures its longest pause: the longest time between two
/// consecutive acknowledgements, per measurement window. Thread-safe.
/// </summary>
public sealed class AcknowledgedProducer : IDisposable
{
    private readonly IProducer<Null, string> _producer;
    private readonly string _topic;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly HashSet<string> _acknowledged = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly object _gate = new();
    private TimeSpan _lastAck;
    private TimeSpan _longestPause;
    private int _failed;

    public AcknowledgedProducer(string bootstrapServers, string topic)
    {
        _topic = topic;
        _producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            // Long enough to ride through a rolling restart and a pod deletion: a record is acknowledged or failed, never silently lost.
            MessageTimeoutMs = 300_000,
            LingerMs = 5,
        }).Build();
        _lastAck = _clock.Elapsed;
        _loop = Task.Run(RunAsync);
    }

    public int Acknowledged
    {
        get
        {
            lock (_gate)
            {
                return _acknowledged.Count;
            }
        }
    }

    public int Failed => Volatile.Read(ref _failed);

    /// <summary>The longest pause between acknowledgements since the last call (including the one still running), then starts a new window.</summary>
    public TimeSpan TakeLongestPause()
    {
        lock (_gate)
        {
            var longest = Max(_longestPause, _clock.Elapsed - _lastAck);
            _longestPause = TimeSpan.Zero;
            return longest;
        }
    }

    /// <summary>Stops sending, waits for every record in flight, and returns the acknowledged values.</summary>
    public IReadOnlySet<string> Stop()
    {
        _stop.Cancel();
        _loop.GetAwaiter().GetResult();
        _producer.Flush(TimeSpan.FromMinutes(5));
        lock (_gate)
        {
            return new HashSet<string>(_acknowledged);
        }
    }

    private async Task RunAsync()
    {
        for (var i = 0L; !_stop.IsCancellationRequested; i++)
        {
            var value = $"record-{i}";
            try
            {
                _producer.Produce(_topic, new Message<Null, string> { Value = value }, report => Delivered(value, report));
            }
            catch (ProduceException<Null, string> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                i--;
            }
            try
            {
                await Task.Delay(20, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Delivered(string value, DeliveryReport<Null, string> report)
    {
        if (report.Error.Code != ErrorCode.NoError)
        {
            Interlocked.Increment(ref _failed);
            return;
        }
        lock (_gate)
        {
            _acknowledged.Add(value);
            var now = _clock.Elapsed;
            _longestPause = Max(_longestPause, now - _lastAck);
            _lastAck = now;
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    public void Dispose()
    {
        _stop.Cancel();
        _producer.Dispose();
        _stop.Dispose();
    }
}
