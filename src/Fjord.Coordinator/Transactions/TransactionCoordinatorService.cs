using Fjord.Coordinator.Groups;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fjord.Coordinator.Transactions;

/// <summary>
/// The shell around <see cref="TransactionCoordinator"/>, shaped like <see cref="GroupCoordinatorService"/>: one
/// event loop (a single-reader channel) runs every command, tick and load step in order. For each command it
/// appends the records to <c>__transaction_state</c> (<see cref="ITransactionStateLog"/>, one batch per
/// partition), replays them into the core once appended, and answers only once they are committed — and once
/// every earlier write is, so no answer overtakes a write it depends on. A failed append or commit turns the
/// answer into Kafka's coordinator error (COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, ...).
/// <para>
/// Markers (Kafka's TransactionMarkerChannelManager): once a PrepareCommit/PrepareAbort record is committed, the
/// shell writes the markers through <see cref="ITransactionMarkerWriter"/>, retrying retriable per-partition
/// errors every transaction marker back-off until each partition has its marker, dropping partitions whose topic
/// is gone; then it appends the CompleteCommit/CompleteAbort record (retried while the log is unavailable).
/// Markers of a partition this node stopped leading, or reloaded under a new leader epoch, are abandoned.
/// </para>
/// <para>
/// Which partitions this node coordinates: on a single node all of them, loaded at start; in cluster mode those
/// whose <c>__transaction_state</c> partition it leads, announced by <see cref="OnBecameLeader"/> and
/// <see cref="OnResigned"/>. Loading replays a partition in 1 MiB steps interleaved with requests (which get
/// COORDINATOR_LOAD_IN_PROGRESS meanwhile), then resumes the markers of transactions left in Prepare*.
/// </para>
/// Thread-safety: every public method may be called from any thread; returned tasks complete on the thread pool.
/// </summary>
public sealed partial class TransactionCoordinatorService : IHostedService, IAsyncDisposable
{
    private const int LoadChunkBytes = 1024 * 1024;
    private static readonly TimeSpan s_tickInterval = TimeSpan.FromMilliseconds(100);

    private readonly TransactionCoordinator _core;
    private readonly ITransactionStateLog _log;
    private readonly ITransactionMarkerWriter _markers;
    private readonly ProducerIdReserve _producerIds;
    private readonly TimeProvider _time;
    private readonly ILogger<TransactionCoordinatorService> _logger;
    private readonly CoordinatorEventLoop _loop;
    private readonly Dictionary<int, int> _leaderEpochs = [];
    private readonly List<(int Partition, int LeaderEpoch, long Offset, long Records, long Started)> _retryLoads = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly bool _leadsEveryPartition;
    private Task _lastCommit = Task.CompletedTask;
    private int _markerWritesInFlight;
    private long _transactionsCommitted;
    private long _transactionsAborted;
    private long _markerWriteFailures;
    private ITimer? _timer;

    /// <param name="config">Kafka's transaction configs.</param>
    /// <param name="log">The <c>__transaction_state</c> logs.</param>
    /// <param name="markers">Writes markers to partition leaders.</param>
    /// <param name="nextProducerId">The broker's producer id source (blocks from the controller); asked ahead of need, never on the loop.</param>
    /// <param name="time">Clock for deadlines and back-offs.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="leadsEveryPartition">True on a single node: every partition is loaded at start under leader epoch 0.</param>
    public TransactionCoordinatorService(
        TransactionCoordinatorConfig config,
        ITransactionStateLog log,
        ITransactionMarkerWriter markers,
        Func<CancellationToken, ValueTask<(ErrorCode Error, long ProducerId)>> nextProducerId,
        TimeProvider time,
        ILogger<TransactionCoordinatorService> logger,
        bool leadsEveryPartition = true)
    {
        _log = log;
        _markers = markers;
        _time = time;
        _logger = logger;
        _leadsEveryPartition = leadsEveryPartition;
        _producerIds = new ProducerIdReserve(nextProducerId);
        _loop = new CoordinatorEventLoop("transaction coordinator", LogEventFailed);

        // Once the topic exists its partition count decides where transactional ids live, whatever the config says now.
        if (leadsEveryPartition && log.PartitionCount is { } existing && existing != config.TransactionStateLogNumPartitions)
        {
            LogPartitionCountMismatch(existing, config.TransactionStateLogNumPartitions);
            config = config with { TransactionStateLogNumPartitions = existing };
        }

        _core = new TransactionCoordinator(config, time, _producerIds);
    }

    public TransactionCoordinatorConfig Config => _core.Config;

    /// <summary>Marker writes under way (each a transaction whose markers are not all written yet).</summary>
    public int MarkerWritesInFlight => Volatile.Read(ref _markerWritesInFlight);

    /// <summary>
    /// Transactions this node completed with a CompleteCommit record since start (a counter the broker's metrics read,
    /// so this project needs no metrics library).
    /// </summary>
    public long TransactionsCommitted => Volatile.Read(ref _transactionsCommitted);

    /// <summary>Transactions this node completed with a CompleteAbort record since start: client aborts, timeouts and fencing.</summary>
    public long TransactionsAborted => Volatile.Read(ref _transactionsAborted);

    /// <summary>
    /// Marker writes that did not succeed since start: each partition a leader answered with an error (retried, dropped
    /// or fenced) and each request that failed as a whole.
    /// </summary>
    public long MarkerWriteFailures => Volatile.Read(ref _markerWriteFailures);

    /// <summary>Starts the loop and, on a single node, begins loading every partition.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop.Start();
        _timer = _time.CreateTimer(_ => QueueTick(), null, s_tickInterval, s_tickInterval);
        if (_leadsEveryPartition)
        {
            var exists = _log.PartitionCount is not null;
            for (var partition = 0; partition < _core.Config.TransactionStateLogNumPartitions; partition++)
            {
                var p = partition;
                Enqueue(() =>
                {
                    _leaderEpochs[p] = 0;
                    _core.BeginLoading(p, 0);
                    if (exists)
                    {
                        LoadStep(p, 0, 0, 0, _time.GetTimestamp());
                    }
                    else
                    {
                        Apply<IResponseMessage>(_core.CompleteLoading(p), null, null, null);
                    }
                });
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// This node became leader of <paramref name="partition"/> at <paramref name="leaderEpoch"/> (the coordinator
    /// epoch): its transactional ids answer COORDINATOR_LOAD_IN_PROGRESS until its log is replayed, then the
    /// markers of transactions found in Prepare* are written. A new epoch of a partition already led reloads it. Any thread.
    /// </summary>
    public void OnBecameLeader(int partition, int leaderEpoch) => Enqueue(() =>
    {
        if (_leaderEpochs.TryGetValue(partition, out var current) && current == leaderEpoch)
        {
            return;
        }

        _leaderEpochs[partition] = leaderEpoch;
        _core.BeginLoading(partition, leaderEpoch);
        LogLoadingPartition(partition, leaderEpoch);
        LoadStep(partition, leaderEpoch, 0, 0, _time.GetTimestamp());
    });

    /// <summary>This node no longer leads <paramref name="partition"/>: its ids are dropped and get NOT_COORDINATOR; its marker writes stop. Any thread.</summary>
    public void OnResigned(int partition) => Enqueue(() =>
    {
        if (!_leaderEpochs.Remove(partition))
        {
            return;
        }

        _retryLoads.RemoveAll(r => r.Partition == partition);
        _core.Unload(partition);
        LogUnloadedPartition(partition);
    });

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        // Stopped twice when the host disposes what it stopped (the hosted service is also a singleton).
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        await _loop.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>The <c>__transaction_state</c> partition of <paramref name="transactionalId"/> (FindCoordinator key type 1).</summary>
    public int PartitionFor(string transactionalId) => _core.PartitionFor(transactionalId);

    /// <summary>Creates <c>__transaction_state</c> if it does not exist (Kafka does it on the first FindCoordinator for a transaction).</summary>
    public ErrorCode EnsureTransactionStateTopic() =>
        _log.PartitionCount is not null ? ErrorCode.None : _log.CreateTopic(_core.Config.TransactionStateLogNumPartitions);

    /// <summary>InitProducerId v0-5 (null transactional id: an idempotent producer's fresh id).</summary>
    public async Task<InitProducerIdResponse> InitProducerIdAsync(InitProducerIdRequest request)
    {
        // A producer id may be needed; fetch it now, off the loop (the core answers COORDINATOR_LOAD_IN_PROGRESS if none came).
        await _producerIds.EnsureAvailableAsync(_stopping.Token).ConfigureAwait(false);
        return await RunCommand(() => _core.InitProducerId(request)).ConfigureAwait(false);
    }

    /// <summary>AddPartitionsToTxn v0-5 (v4+: the batched broker form, with verify_only).</summary>
    public Task<AddPartitionsToTxnResponse> AddPartitionsToTxnAsync(AddPartitionsToTxnRequest request, short version) =>
        RunCommand(() => _core.AddPartitionsToTxn(request, version));

    /// <summary>AddOffsetsToTxn v0-4.</summary>
    public Task<AddOffsetsToTxnResponse> AddOffsetsToTxnAsync(AddOffsetsToTxnRequest request) =>
        RunCommand(() => _core.AddOffsetsToTxn(request));

    /// <summary>EndTxn v0-5 (v5: transaction version 2, the epoch is bumped and returned).</summary>
    public async Task<EndTxnResponse> EndTxnAsync(EndTxnRequest request, short version)
    {
        if (version >= 5)
        {
            // An exhausted epoch rotates to a new producer id at the end of the transaction.
            await _producerIds.EnsureAvailableAsync(_stopping.Token).ConfigureAwait(false);
        }

        var response = await RunCommand(() => _core.EndTxn(request, version)).ConfigureAwait(false);
        if (response.ErrorCode == (short)ErrorCode.InvalidTxnState)
        {
            // Kafka answers the same (an Empty transaction, or the opposite decision of a completed one), but clients
            // treat it as fatal: say what the coordinator held, so a refusal seen by a client can be explained.
            var current = await RunQuery(() => _core.TryGetTransaction(request.TransactionalId)).ConfigureAwait(false);
            LogEndRefused(request.TransactionalId, request.Committed ? "commit" : "abort", request.ProducerId, request.ProducerEpoch,
                current?.State, current?.ProducerId, current?.ProducerEpoch, current?.LastUpdateTimestampMs);
        }

        return response;
    }

    /// <summary>DescribeTransactions v0; ids of partitions this node does not coordinate get NOT_COORDINATOR (admin clients ask each id's coordinator).</summary>
    public Task<DescribeTransactionsResponse> DescribeTransactionsAsync(DescribeTransactionsRequest request) =>
        RunQuery(() => _core.DescribeTransactions(request.TransactionalIds));

    /// <summary>ListTransactions v0-1 over the ids this node coordinates.</summary>
    public Task<ListTransactionsResponse> ListTransactionsAsync(ListTransactionsRequest request) =>
        RunQuery(() => _core.ListTransactions(request));

    /// <summary>The state of <paramref name="transactionalId"/> as this node knows it (diagnostics and tests).</summary>
    public Task<TransactionLogValue?> GetTransactionAsync(string transactionalId) =>
        RunQuery(() => _core.TryGetTransaction(transactionalId));

    private Task<T> RunQuery<T>(Func<T> query) => _loop.Query(query);

    private Task<T> RunCommand<T>(Func<TransactionCoordinatorResult<T>> command)
        where T : class, IResponseMessage
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(
            () =>
            {
                var result = command();
                Apply(result, result.Response, response => completion.TrySetResult(response), ex => completion.TrySetException(ex));
            },
            ex => completion.TrySetException(ex));
        return completion.Task;
    }

    /// <summary>
    /// Appends and replays <paramref name="output"/>'s records, then — once they and every earlier write are
    /// committed — delivers the response and starts the marker writes; <paramref name="fail"/> hears when the
    /// service stopped before that. On the loop.
    /// </summary>
    private void Apply<T>(TransactionCoordinatorOutput output, T? response, Action<T>? deliver, Action<Exception>? fail)
        where T : class, IResponseMessage
    {
        var (failures, commits) = AppendAndReplay(output.Records);
        var earlier = _lastCommit;
        if (commits is not null)
        {
            _lastCommit = AllSettled(earlier, commits);
        }

        if (commits is null && earlier.IsCompleted)
        {
            Deliver(output, response, deliver, failures);
            return;
        }

        _ = DeliverWhenCommittedAsync(output, response, deliver, fail, failures, earlier, commits);
    }

    private async Task DeliverWhenCommittedAsync<T>(TransactionCoordinatorOutput output, T? response, Action<T>? deliver, Action<Exception>? fail, Dictionary<int, ErrorCode>? failures, Task earlier, List<(int Partition, Task<ErrorCode> Committed)>? commits)
        where T : class, IResponseMessage
    {
        void Dropped(Exception ex)
        {
            LogDeliveryDropped(ex);
            fail?.Invoke(ex);
        }

        try
        {
            await earlier.WaitAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex)
        {
            Dropped(ex);
            return;
        }

        foreach (var (partition, committed) in commits ?? [])
        {
            ErrorCode error;
            try
            {
                error = await committed.WaitAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (_stopping.IsCancellationRequested)
            {
                Dropped(ex);
                return;
            }
            catch (Exception ex)
            {
                LogCommitWaitFailed(partition, ex);
                error = ErrorCode.UnknownServerError;
            }

            if (error != ErrorCode.None)
            {
                LogCommitFailed(partition, error);
                (failures ??= [])[partition] = error;
            }
        }

        Enqueue(() => Deliver(output, response, deliver, failures), Dropped);
    }

    private void Deliver<T>(TransactionCoordinatorOutput output, T? response, Action<T>? deliver, Dictionary<int, ErrorCode>? failures)
        where T : class, IResponseMessage
    {
        if (failures is not null && response is not null)
        {
            TransactionAppendFailures.Apply(response, output.Records, _core.PartitionFor, failures);
        }

        foreach (var markers in output.Markers)
        {
            // Markers follow only a decision that is in the leader's log: not after a failed append, nor after a
            // commit lost with leadership (the next leader resumes them); a commit that merely timed out is still there.
            var partition = _core.PartitionFor(markers.TransactionalId);
            if (failures is null || !failures.TryGetValue(partition, out var error) || error is ErrorCode.RequestTimedOut or ErrorCode.NotEnoughReplicasAfterAppend)
            {
                _ = WriteMarkersAsync(markers);
            }
        }

        if (response is not null)
        {
            deliver?.Invoke(response);
        }
    }

    /// <summary>
    /// Appends the records, one batch per partition, replaying each partition's records once its batch is in
    /// the log. Returns the partitions whose append failed (with the storage error) and the commits to wait for.
    /// </summary>
    private (Dictionary<int, ErrorCode>? Failures, List<(int Partition, Task<ErrorCode> Committed)>? Commits) AppendAndReplay(IReadOnlyList<TransactionLogRecord> records)
    {
        if (records.Count == 0)
        {
            return (null, null);
        }

        if (_log.PartitionCount is null && _log.CreateTopic(_core.Config.TransactionStateLogNumPartitions) is var created && created != ErrorCode.None && created != ErrorCode.TopicAlreadyExists)
        {
            LogTopicCreationFailed(created);
        }

        Dictionary<int, ErrorCode>? failures = null;
        List<(int Partition, Task<ErrorCode> Committed)>? commits = null;
        foreach (var byPartition in records.GroupBy(r => _core.PartitionFor(r.TransactionalId)))
        {
            var batch = TransactionLogRecordBatch.Encode(byPartition.ToList(), _core.Config.TransactionLogValueVersion, _time.GetUtcNow().ToUnixTimeMilliseconds());
            var appended = _log.Append(byPartition.Key, batch);
            if (appended.Error != ErrorCode.None)
            {
                LogAppendFailed(byPartition.Key, appended.Error);
                (failures ??= [])[byPartition.Key] = appended.Error;
                continue;
            }

            foreach (var record in byPartition)
            {
                _core.Replay(record);
            }

            if (appended.Committed is { } committed)
            {
                (commits ??= []).Add((byPartition.Key, committed));
            }
        }

        return (failures, commits);
    }

    /// <summary>A task that completes (never faults) once <paramref name="earlier"/> and every commit have settled.</summary>
    private static Task AllSettled(Task earlier, List<(int Partition, Task<ErrorCode> Committed)> commits)
    {
        var tasks = new List<Task>(commits.Count + 1) { earlier };
        foreach (var (_, committed) in commits)
        {
            tasks.Add(committed);
        }

        return Task.WhenAll(tasks).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Replays one chunk of a partition, then queues the next, so requests interleave with loading.</summary>
    private void LoadStep(int partition, int leaderEpoch, long offset, long records, long startedTimestamp)
    {
        if (!_leaderEpochs.TryGetValue(partition, out var current) || current != leaderEpoch)
        {
            return;
        }

        using var chunk = _log.Read(partition, offset, LoadChunkBytes);
        if (chunk.Error != ErrorCode.None)
        {
            // Serving without the partition's history would hand out stale epochs; retry on the next tick.
            LogLoadFailed(partition, offset, chunk.Error);
            _retryLoads.Add((partition, leaderEpoch, offset, records, startedTimestamp));
            return;
        }

        var loaded = records;
        var next = chunk.Records.IsEmpty ? -1 : TransactionLogRecordBatch.DecodeAll(chunk.Records.Span, record =>
        {
            _core.Replay(record);
            loaded++;
        });
        if (next >= 0 && next < chunk.HighWatermark)
        {
            Enqueue(() => LoadStep(partition, leaderEpoch, next, loaded, startedTimestamp));
            return;
        }

        var resumed = _core.CompleteLoading(partition);
        LogPartitionLoaded(partition, loaded, resumed.Markers.Count, _time.GetElapsedTime(startedTimestamp).TotalMilliseconds);
        Apply<IResponseMessage>(resumed, null, null, null);
    }

    private void QueueTick() => _loop.EnqueueTick(() =>
    {
        if (_retryLoads.Count > 0)
        {
            var retries = _retryLoads.ToList();
            _retryLoads.Clear();
            foreach (var (partition, leaderEpoch, offset, records, started) in retries)
            {
                LoadStep(partition, leaderEpoch, offset, records, started);
            }
        }

        Apply<IResponseMessage>(_core.Tick(), null, null, null);
    });

    private void Enqueue(Action run, Action<Exception>? fail = null) => _loop.Enqueue(run, fail);
}
