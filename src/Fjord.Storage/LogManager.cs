using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Fjord.Storage.Cleaner;
using Microsoft.Extensions.Logging;

namespace Fjord.Storage;

/// <summary>
/// Owns a data dir: opens every partition log found there at startup (in parallel), creates logs on
/// demand, deletes a topic's logs the way Kafka does (rename to <c>&lt;dir&gt;.&lt;uuid&gt;-delete</c>,
/// delete in the background), keeps the recovery-point, log-start-offset and replication-offset
/// checkpoints, and the clean-shutdown marker (<c>.kafka_cleanshutdown</c>) that lets the next start skip
/// recovery, and the log cleaner (compaction). A background pass on <see cref="LogManagerOptions.MaintenanceInterval"/> runs retention,
/// <c>flush.ms</c> and checkpoints. Thread-safe: every public member may be called from any thread.
/// </summary>
public sealed class LogManager : IDisposable
{
    /// <summary>Kafka's marker file name; present only between a clean shutdown and the next start.</summary>
    public const string CleanShutdownFileName = ".kafka_cleanshutdown";

    private readonly ConcurrentDictionary<TopicPartition, PartitionLog> _logs = new();
    private readonly Lock _createLock = new();
    private readonly Lock _checkpointLock = new();
    private readonly LogManagerOptions _options;
    private readonly ILogger _logger;
    private readonly FileHandleCache _handles;
    private readonly ITimer? _timer;
    private readonly LogCleaner _cleaner;
    private readonly List<Task> _backgroundDeletes = [];
    private int _maintenanceRunning;
    private bool _disposed;

    /// <summary>Opens the data dir (creating it if needed) and loads every partition log in it.</summary>
    public LogManager(string dataDir, LogConfig defaultConfig, LogManagerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(defaultConfig);
        _options = options ?? new LogManagerOptions();
        _logger = _options.LoggerFactory.CreateLogger<LogManager>();
        DataDir = Path.GetFullPath(dataDir);
        DefaultConfig = defaultConfig;
        _handles = new FileHandleCache(_options.OpenFileHandleLimit);
        Directory.CreateDirectory(DataDir);
        LoadLogs();
        _cleaner = new LogCleaner(() => Logs, _options.TimeProvider, _options.CleanerBackoff, _options.CleanerMaxKeysPerPass, _logger);
        if (_options.MaintenanceInterval > TimeSpan.Zero)
            _timer = _options.TimeProvider.CreateTimer(_ => RunMaintenanceSafely(), null, _options.MaintenanceInterval, _options.MaintenanceInterval);
    }

    public string DataDir { get; }

    /// <summary>The config for logs created without one (the broker's <c>log.*</c> settings).</summary>
    public LogConfig DefaultConfig { get; }

    /// <summary>Whether the data dir had the clean-shutdown marker at startup.</summary>
    public bool HadCleanShutdown { get; private set; }

    /// <summary>A snapshot of the open logs.</summary>
    public IReadOnlyCollection<PartitionLog> Logs => _logs.Values.ToArray();

    /// <summary>Size and offsets of every open log (for metrics and DescribeLogDirs). Lock-free reads; cheap.</summary>
    public IReadOnlyList<PartitionLogFigures> GetFigures()
    {
        var figures = new List<PartitionLogFigures>(_logs.Count);
        foreach (var log in _logs.Values)
            figures.Add(log.GetFigures());
        return figures;
    }

    /// <summary>Returns the log of <paramref name="topicPartition"/>, creating its directory if needed (idempotent). A given config replaces the log's current one.</summary>
    public PartitionLog GetOrCreateLog(TopicPartition topicPartition, LogConfig? config = null)
    {
        if (_logs.TryGetValue(topicPartition, out var existing))
        {
            if (config is not null && !config.Equals(existing.Config))
                existing.UpdateConfig(config);
            return existing;
        }
        lock (_createLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_logs.TryGetValue(topicPartition, out existing))
                return existing;
            var log = PartitionLog.Open(Path.Combine(DataDir, topicPartition.ToString()), config ?? DefaultConfig, LogOptions(new PartitionLogOptions()));
            _logs[topicPartition] = log;
            return log;
        }
    }

    public bool TryGetLog(TopicPartition topicPartition, [NotNullWhen(true)] out PartitionLog? log) => _logs.TryGetValue(topicPartition, out log);

    /// <summary>
    /// Deletes every partition log of <paramref name="topic"/>: closes each, renames its directory to
    /// <c>&lt;dir&gt;.&lt;uuid&gt;-delete</c> (so a new topic of the same name starts empty at once) and deletes
    /// the renamed directory in the background. Returns how many logs were deleted.
    /// </summary>
    public int DeleteLogs(string topic)
    {
        int count = 0;
        lock (_createLock)
        {
            foreach (var tp in _logs.Keys)
            {
                if (tp.Topic == topic && _logs.TryRemove(tp, out var log))
                {
                    count++;
                    string dir = log.Directory;
                    log.Dispose();
                    string deleteDir = $"{dir}.{Guid.NewGuid():N}-delete";
                    Directory.Move(dir, deleteDir);
                    _logger.DeletingTopicLog(topic, dir, deleteDir);
                    ScheduleDirectoryDelete(deleteDir);
                }
            }
        }
        return count;
    }

    /// <summary>
    /// Deletes one partition's log (a replica reassigned away from this broker, Kafka's ReplicaManager.stopPartitions
    /// with deletion): closes it, renames its directory to <c>&lt;dir&gt;.&lt;uuid&gt;-delete</c> so a later re-add
    /// starts a fresh empty log at once, and deletes the renamed directory in the background. False when no log is open.
    /// </summary>
    public bool DeleteLog(TopicPartition topicPartition)
    {
        lock (_createLock)
        {
            if (!_logs.TryRemove(topicPartition, out var log)) return false;
            string dir = log.Directory;
            log.Dispose();
            string deleteDir = $"{dir}.{Guid.NewGuid():N}-delete";
            Directory.Move(dir, deleteDir);
            _logger.DeletingTopicLog(topicPartition.Topic, dir, deleteDir);
            ScheduleDirectoryDelete(deleteDir);
            return true;
        }
    }

    /// <summary>Completes when background directory deletions started so far are done (for tests and shutdown).</summary>
    public Task WhenBackgroundDeletesComplete()
    {
        lock (_backgroundDeletes)
            return Task.WhenAll(_backgroundDeletes.ToArray());
    }

    /// <summary>Flushes every log and writes the checkpoints.</summary>
    public void FlushAll()
    {
        foreach (var log in _logs.Values)
            log.Flush();
        WriteCheckpoints();
    }

    /// <summary>
    /// One background pass: retention, <c>flush.ms</c>, delayed deletions and producer expiration in
    /// every log, then the checkpoints. Called by the timer; tests call it directly with a fake clock.
    /// </summary>
    public void RunMaintenance()
    {
        foreach (var log in _logs.Values)
            log.RunMaintenance();
        WriteCheckpoints();
    }

    /// <summary>
    /// One pass of the log cleaner: compacts every eligible log whose <c>cleanup.policy</c> includes
    /// compact, dirtiest first. The background loop calls it every <see cref="LogManagerOptions.CleanerBackoff"/>;
    /// tests call it directly. Returns how many logs were compacted.
    /// </summary>
    public int RunCleaner()
    {
        int cleaned = _cleaner.RunOnce();
        if (cleaned > 0)
            WriteCheckpoints();
        return cleaned;
    }

    /// <summary>Writes the checkpoint files from the logs' current positions.</summary>
    public void WriteCheckpoints()
    {
        lock (_checkpointLock)
        {
            var logs = _logs.Values.ToArray();
            OffsetCheckpointFile.Write(Path.Combine(DataDir, OffsetCheckpointFile.RecoveryPointFileName),
                logs.Select(l => KeyValuePair.Create(l.TopicPartition, l.RecoveryPoint)));
            OffsetCheckpointFile.Write(Path.Combine(DataDir, OffsetCheckpointFile.LogStartOffsetFileName),
                logs.Select(l => KeyValuePair.Create(l.TopicPartition, l.LogStartOffset)));
            OffsetCheckpointFile.Write(Path.Combine(DataDir, OffsetCheckpointFile.ReplicationOffsetFileName),
                logs.Select(l => KeyValuePair.Create(l.TopicPartition, l.HighWatermark)));
            OffsetCheckpointFile.Write(Path.Combine(DataDir, OffsetCheckpointFile.CleanerOffsetFileName),
                logs.Where(l => (l.Config.CleanupPolicy & CleanupPolicy.Compact) != 0)
                    .Select(l => KeyValuePair.Create(l.TopicPartition, l.CleanerCheckpoint)));
        }
    }

    /// <summary>Stops the background pass, flushes and closes every log, writes checkpoints and the clean-shutdown marker.</summary>
    public void Dispose()
    {
        lock (_createLock)
        {
            if (_disposed)
                return;
            _disposed = true;
        }
        _timer?.Dispose();
        _cleaner.Dispose();
        // Wait for a pass in progress so it does not touch closed logs.
        var spin = new SpinWait();
        while (Interlocked.CompareExchange(ref _maintenanceRunning, 1, 0) != 0)
            spin.SpinOnce();
        bool allOnline = true;
        foreach (var log in _logs.Values)
        {
            log.Dispose();
            allOnline &= !log.IsOffline;
        }
        WriteCheckpoints();
        if (allOnline)
            File.WriteAllBytes(Path.Combine(DataDir, CleanShutdownFileName), []);
        _handles.Dispose();
        try
        {
            WhenBackgroundDeletesComplete().Wait(TimeSpan.FromSeconds(30));
        }
        catch (AggregateException e)
        {
            _logger.MaintenanceFailed(e);
        }
    }

    private void LoadLogs()
    {
        long started = Stopwatch.GetTimestamp();
        string marker = Path.Combine(DataDir, CleanShutdownFileName);
        HadCleanShutdown = File.Exists(marker);
        var recoveryPoints = ReadCheckpoint(OffsetCheckpointFile.RecoveryPointFileName);
        var logStartOffsets = ReadCheckpoint(OffsetCheckpointFile.LogStartOffsetFileName);
        var highWatermarks = ReadCheckpoint(OffsetCheckpointFile.ReplicationOffsetFileName);
        var cleanerOffsets = ReadCheckpoint(OffsetCheckpointFile.CleanerOffsetFileName);

        var dirs = new List<(string Dir, TopicPartition Tp)>();
        foreach (string dir in Directory.EnumerateDirectories(DataDir))
        {
            string name = Path.GetFileName(dir);
            if (name.EndsWith("-delete", StringComparison.Ordinal))
            {
                ScheduleDirectoryDelete(dir); // an interrupted DeleteLogs
                continue;
            }
            if (TopicPartition.TryParseDirectoryName(name, out var tp))
                dirs.Add((dir, tp.Value));
        }

        Parallel.ForEach(dirs, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, entry =>
        {
            var (dir, tp) = entry;
            var options = LogOptions(new PartitionLogOptions
            {
                HadCleanShutdown = HadCleanShutdown,
                // A partition missing from the checkpoint was created after it was written: recover it all.
                RecoveryPoint = recoveryPoints.TryGetValue(tp, out long rp) ? rp : 0,
                LogStartOffset = logStartOffsets.TryGetValue(tp, out long lso) ? lso : null,
                HighWatermark = highWatermarks.TryGetValue(tp, out long hw) ? hw : null,
                CleanerCheckpoint = cleanerOffsets.TryGetValue(tp, out long co) ? co : null,
            });
            try
            {
                var config = _options.TopicConfig?.Invoke(tp.Topic) ?? DefaultConfig;
                _logs[tp] = PartitionLog.Open(dir, config, options);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                _logger.LogLoadFailed(e, dir);
            }
        });

        // Only now: a crash while loading must not look like a clean shutdown next time.
        if (HadCleanShutdown)
            File.Delete(marker);
        _logger.LogsLoaded(DataDir, _logs.Count, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, HadCleanShutdown);
    }

    private PartitionLogOptions LogOptions(PartitionLogOptions options) => options with
    {
        TimeProvider = _options.TimeProvider,
        Logger = _options.LoggerFactory.CreateLogger<PartitionLog>(),
        HandleCache = _handles,
        AdvanceHighWatermarkOnAppend = _options.AdvanceHighWatermarkOnAppend,
        ProducerIdExpirationMs = _options.ProducerIdExpirationMs,
    };

    private Dictionary<TopicPartition, long> ReadCheckpoint(string fileName)
    {
        string path = Path.Combine(DataDir, fileName);
        try
        {
            return OffsetCheckpointFile.Read(path);
        }
        catch (Exception e) when (e is FormatException or IOException)
        {
            // Without it every partition recovers from offset 0: slower, never wrong.
            _logger.CheckpointUnreadable(path, e.Message);
            return [];
        }
    }

    private void ScheduleDirectoryDelete(string dir)
    {
        var task = Task.Run(() =>
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _logger.DeleteFailed(e, dir);
            }
        });
        lock (_backgroundDeletes)
        {
            _backgroundDeletes.RemoveAll(t => t.IsCompleted);
            _backgroundDeletes.Add(task);
        }
    }

    private void RunMaintenanceSafely()
    {
        if (Interlocked.CompareExchange(ref _maintenanceRunning, 1, 0) != 0)
            return;
        try
        {
            if (!_disposed)
                RunMaintenance();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            _logger.MaintenanceFailed(e);
        }
        finally
        {
            Volatile.Write(ref _maintenanceRunning, 0);
        }
    }
}
