using Confluent.Kafka;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// An idempotent acks=all producer writing one record after another on a background task, keeping every
/// acknowledged value (to read back once afterwards) and every failure. Owned by one test; its members are safe to
/// read from the test thread.
/// </summary>
internal sealed class BackgroundProducer : IDisposable
{
    private readonly IProducer<Null, string> _producer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly List<string> _acknowledgedValues = [];
    private long _acknowledged;

    public BackgroundProducer(string bootstrapServers, string topic)
    {
        _producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            MessageTimeoutMs = 60_000,
        }).Build();
        _loop = Task.Run(async () =>
        {
            var i = 0;
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    var value = $"bg-{i++}";
                    await _producer.ProduceAsync(topic, new Message<Null, string> { Value = value }).ConfigureAwait(false);
                    lock (_acknowledgedValues) _acknowledgedValues.Add(value);
                    Interlocked.Increment(ref _acknowledged);
                }
                catch (ProduceException<Null, string> e)
                {
                    lock (Failures) Failures.Add(e.Error.Code.ToString());
                }
            }
        });
    }

    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>A copy of the values acknowledged so far, in order.</summary>
    public List<string> AcknowledgedValues()
    {
        lock (_acknowledgedValues) return [.. _acknowledgedValues];
    }

    public List<string> Failures { get; } = [];

    public void Stop()
    {
        _stop.Cancel();
        _loop.GetAwaiter().GetResult();
    }

    public override string ToString()
    {
        lock (Failures) return $"{Acknowledged} acknowledged, {Failures.Count} failed ({string.Join(",", Failures.Distinct())})";
    }

    public void Dispose()
    {
        if (!_loop.IsCompleted) Stop();
        _producer.Dispose();
        _stop.Dispose();
    }
}
