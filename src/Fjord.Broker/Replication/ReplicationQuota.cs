namespace Fjord.Broker.Replication;

/// <summary>
/// One direction's replication throttle (KIP-73, Kafka's ReplicationQuotaManager with a SimpleRate sensor): bytes of
/// throttled replicas are recorded into <c>replication.quota.window.num</c> samples of
/// <c>replication.quota.window.size.seconds</c> each; the rate is the bytes of the samples still in the window divided
/// by the time since the oldest of them started — but at least one sample's length, so a first burst cannot look
/// infinitely fast — and the quota is exceeded while that rate is above the bound. Callers check
/// <see cref="IsQuotaExceeded"/> before reading or fetching a throttled partition and <see cref="Record"/> what they
/// moved afterwards, so a transfer overshoots by at most one fetch. A bound of <see cref="long.MaxValue"/> (the
/// default) never throttles. <see cref="Bound"/> may change at any time (dynamic broker config).
/// Thread-safe: request threads and replica fetchers share one instance per direction.
/// </summary>
public sealed class ReplicationQuota
{
    public const long Unlimited = long.MaxValue;

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly long _windowTicks;
    private readonly long[] _sampleStarts;
    private readonly long[] _sampleBytes;
    private int _current = -1;
    private long _bound;

    /// <param name="bound">Bytes per second; <see cref="Unlimited"/> for no throttle.</param>
    /// <param name="samples"><c>replication.quota.window.num</c> (Kafka's default 11).</param>
    /// <param name="sampleLength"><c>replication.quota.window.size.seconds</c> (Kafka's default 1 s).</param>
    public ReplicationQuota(long bound, int samples, TimeSpan sampleLength, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(sampleLength, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(bound);
        _bound = bound;
        _time = time;
        _windowTicks = (long)(sampleLength.TotalSeconds * time.TimestampFrequency);
        _sampleStarts = new long[samples];
        _sampleBytes = new long[samples];
    }

    /// <summary>The bound in bytes per second (<see cref="Unlimited"/>: no throttle).</summary>
    public long Bound
    {
        get => Interlocked.Read(ref _bound);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            Interlocked.Exchange(ref _bound, value);
        }
    }

    public bool IsUnlimited => Bound == Unlimited;

    /// <summary>Whether the measured rate is above the bound now (Kafka's isQuotaExceeded).</summary>
    public bool IsQuotaExceeded()
    {
        var bound = Bound;
        if (bound == Unlimited) return false;
        lock (_lock) return RateLocked(_time.GetTimestamp()) > bound;
    }

    /// <summary>The measured rate in bytes per second.</summary>
    public double Rate()
    {
        lock (_lock) return RateLocked(_time.GetTimestamp());
    }

    /// <summary>Counts <paramref name="bytes"/> of throttled replication traffic moved now.</summary>
    public void Record(long bytes)
    {
        if (bytes <= 0) return;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            if (_current < 0 || now - _sampleStarts[_current] >= _windowTicks)
            {
                // Kafka's SampledStat.advance: the next sample (the oldest, reused) starts now.
                _current = (_current + 1) % _sampleStarts.Length;
                _sampleStarts[_current] = now;
                _sampleBytes[_current] = 0;
            }
            _sampleBytes[_current] += bytes;
        }
    }

    private double RateLocked(long now)
    {
        if (_current < 0) return 0;
        // Samples that started more than samples × length ago are obsolete (Kafka's purgeObsoleteSamples).
        var expireTicks = _windowTicks * _sampleStarts.Length;
        var total = 0L;
        var oldest = now;
        for (var i = 0; i < _sampleStarts.Length; i++)
        {
            if (_sampleBytes[i] == 0 || now - _sampleStarts[i] >= expireTicks) continue;
            total += _sampleBytes[i];
            oldest = Math.Min(oldest, _sampleStarts[i]);
        }
        var elapsed = Math.Max(now - oldest, _windowTicks);
        return total * (double)_time.TimestampFrequency / elapsed;
    }
}
