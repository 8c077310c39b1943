using Fjord.Protocol.Records;
using Microsoft.Extensions.Logging;

namespace Fjord.Storage.Cleaner;

/// <summary>
/// The background compaction loop of a <see cref="LogManager"/> (Kafka's <c>LogCleaner</c> with one
/// cleaner thread): every <c>log.cleaner.backoff.ms</c> of the <see cref="TimeProvider"/> it compacts
/// the logs whose <c>cleanup.policy</c> includes compact and which are eligible, dirtiest first. Passes
/// never overlap (a pass still running when the timer fires makes the tick a no-op), so at most one log
/// is cleaned at a time. A failure is logged and the log is retried on the next pass.
/// Thread-safe: <see cref="RunOnce"/> may be called from any thread (tests call it with a fake clock).
/// </summary>
internal sealed class LogCleaner : IDisposable
{
    private readonly Func<IReadOnlyCollection<PartitionLog>> _logs;
    private readonly ILogger _logger;
    private readonly int _maxMapKeys;
    private readonly ITimer? _timer;
    private int _running;
    private volatile bool _disposed;

    public LogCleaner(Func<IReadOnlyCollection<PartitionLog>> logs, TimeProvider time, TimeSpan backoff, int maxMapKeys, ILogger logger)
    {
        _logs = logs;
        _logger = logger;
        _maxMapKeys = maxMapKeys;
        if (backoff > TimeSpan.Zero)
            _timer = time.CreateTimer(_ => RunOnce(), null, backoff, backoff);
    }

    /// <summary>One pass; returns how many logs were compacted. A concurrent pass makes this return 0 at once.</summary>
    public int RunOnce()
    {
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
            return 0;
        try
        {
            var candidates = new List<(PartitionLog Log, double Ratio)>();
            foreach (var log in _logs())
            {
                if ((log.Config.CleanupPolicy & CleanupPolicy.Compact) != 0 && !log.IsOffline)
                    candidates.Add((log, log.DirtyRatio));
            }
            candidates.Sort((a, b) => b.Ratio.CompareTo(a.Ratio));
            int cleaned = 0;
            foreach (var (log, _) in candidates)
            {
                if (_disposed)
                    break;
                try
                {
                    if (log.Compact(maxMapKeys: _maxMapKeys) is not null)
                        cleaned++;
                }
                catch (Exception e) when (e is IOException or InvalidDataException or RecordBatchException or ObjectDisposedException or UnauthorizedAccessException)
                {
                    _logger.CompactionFailed(e, log.ToString());
                }
            }
            return cleaned;
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>Stops the timer and waits for a pass in progress to finish.</summary>
    public void Dispose()
    {
        _disposed = true;
        _timer?.Dispose();
        var spin = new SpinWait();
        while (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
            spin.SpinOnce();
    }
}
