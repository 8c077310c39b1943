using System.Threading.Channels;
using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Protocol.Records;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fjord.Coordinator.Groups;

/// <summary>
/// The shell around <see cref="GroupCoordinator"/>: one event loop (a single-reader channel) runs
/// every command, tick and load step in order, so the core needs no locks. For each command it
/// appends the records to <c>__consumer_offsets</c> through <see cref="IConsumerOffsetsLog"/> (one
/// batch per partition), replays them into the core once appended, and only then completes the
/// requests' tasks — parked JoinGroup/SyncGroup requests included. When the log says a batch is not
/// committed yet (a replicated partition in cluster mode) the answers wait, off the loop, until it is, and a
/// failed commit turns them into Kafka's coordinator errors (<see cref="AppendFailures"/>).
/// <para>
/// Which partitions this node coordinates: on a single node all of them, loaded at start; in cluster mode
/// those whose <c>__consumer_offsets</c> partition this node leads, announced by <see cref="OnBecameLeader"/>
/// and <see cref="OnResigned"/> (Kafka's onElection/onResignation). A partition is replayed in 1 MiB steps
/// interleaved with requests (which meanwhile get COORDINATOR_LOAD_IN_PROGRESS); the core's timers tick every 100 ms.
/// </para>
/// <para>
/// Thread-safety: every public method may be called from any thread; the returned tasks complete
/// on the thread pool, never inline on the loop.
/// </para>
/// </summary>
public sealed partial class GroupCoordinatorService : IHostedService, IAsyncDisposable
{
    private const int LoadChunkBytes = 1024 * 1024;
    private static readonly TimeSpan s_tickInterval = TimeSpan.FromMilliseconds(100);

    private readonly GroupCoordinator _core;
    private readonly IConsumerOffsetsLog _log;
    private readonly ITopicPartitionView _partitions;
    private readonly TimeProvider _time;
    private readonly ILogger<GroupCoordinatorService> _logger;
    private readonly Channel<WorkItem> _queue = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<long, ParkedRequest> _parked = [];
    private readonly List<(int Partition, int LeaderEpoch, long Offset, long Records, long Started)> _retryLoads = [];
    private readonly Dictionary<int, int> _leaderEpochs = [];
    private readonly bool _leadsEveryPartition;
    private long _nextToken;
    private int _tickQueued;
    private Task? _loop;
    private ITimer? _timer;

    public GroupCoordinatorService(GroupCoordinatorConfig config, IConsumerOffsetsLog log, ITopicPartitionView partitions, TimeProvider time, ILogger<GroupCoordinatorService> logger, Random? random = null, bool leadsEveryPartition = true, IConsumerGroupConfigs? groupConfigs = null)
    {
        _leadsEveryPartition = leadsEveryPartition;
        _log = log;
        _partitions = partitions;
        _time = time;
        _logger = logger;

        // Once the topic exists its partition count decides where groups live, whatever the config says now.
        // (Cluster mode learns the topic from the metadata image later; it is created with the configured count.)
        if (leadsEveryPartition && log.PartitionCount is { } existing && existing != config.OffsetsTopicNumPartitions)
        {
            LogPartitionCountMismatch(existing, config.OffsetsTopicNumPartitions);
            config = config with { OffsetsTopicNumPartitions = existing };
        }

        _core = new GroupCoordinator(config, time, random ?? new Random(), partitions, groupConfigs);
    }

    public GroupCoordinatorConfig Config => _core.Config;

    /// <summary>Starts the loop and, on a single node (which leads them all), begins loading every partition.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(RunLoopAsync, CancellationToken.None);
        if (!_leadsEveryPartition)
        {
            _timer = _time.CreateTimer(_ => QueueTick(), null, s_tickInterval, s_tickInterval);
            return Task.CompletedTask;
        }

        var partitionCount = _core.Config.OffsetsTopicNumPartitions;
        var exists = _log.PartitionCount is not null;
        Enqueue(() =>
        {
            for (var partition = 0; partition < partitionCount; partition++)
            {
                _leaderEpochs[partition] = 0;
                _core.BeginLoading(partition);
            }

            for (var partition = 0; partition < partitionCount; partition++)
            {
                if (exists)
                {
                    var p = partition;
                    var started = _time.GetTimestamp();
                    Enqueue(() => LoadStep(p, 0, 0, 0, started));
                }
                else
                {
                    _core.CompleteLoading(partition);
                }
            }
        });
        _timer = _time.CreateTimer(_ => QueueTick(), null, s_tickInterval, s_tickInterval);
        return Task.CompletedTask;
    }

    /// <summary>
    /// This node became leader of <paramref name="partition"/> at <paramref name="leaderEpoch"/> (cluster mode):
    /// its groups answer COORDINATOR_LOAD_IN_PROGRESS until its log is replayed. A new epoch of a partition
    /// already led reloads it, since another leader may have written in between. Any thread.
    /// </summary>
    public void OnBecameLeader(int partition, int leaderEpoch) => Enqueue(() =>
    {
        if (_leaderEpochs.TryGetValue(partition, out var current))
        {
            if (current == leaderEpoch)
            {
                return;
            }

            Apply<IResponseMessage>(_core.Unload(partition), null, null);
        }

        _leaderEpochs[partition] = leaderEpoch;
        _core.BeginLoading(partition);
        LogLoadingPartition(partition, leaderEpoch);
        var started = _time.GetTimestamp();
        LoadStep(partition, leaderEpoch, 0, 0, started);
    });

    /// <summary>
    /// This node no longer leads <paramref name="partition"/> (cluster mode): its groups are dropped, parked
    /// JoinGroup/SyncGroup requests answered NOT_COORDINATOR, and later requests for them too, so members
    /// look the coordinator up again. Any thread.
    /// </summary>
    public void OnResigned(int partition) => Enqueue(() =>
    {
        if (!_leaderEpochs.Remove(partition))
        {
            return;
        }

        _retryLoads.RemoveAll(r => r.Partition == partition);
        Apply<IResponseMessage>(_core.Unload(partition), null, null);
        LogUnloadedPartition(partition);
    });

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        _queue.Writer.TryComplete();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>The partition of <c>__consumer_offsets</c> that holds <paramref name="groupId"/>.</summary>
    public int PartitionFor(string groupId) => ConsumerOffsetsPartitioner.PartitionFor(groupId, _core.Config.OffsetsTopicNumPartitions);

    /// <summary>Creates <c>__consumer_offsets</c> if it does not exist (Kafka does it on the first FindCoordinator).</summary>
    public ErrorCode EnsureOffsetsTopic() =>
        _log.PartitionCount is not null ? ErrorCode.None : _log.CreateTopic(_core.Config.OffsetsTopicNumPartitions);

    public Task<JoinGroupResponse> JoinGroupAsync(JoinGroupRequest request, short version, string clientId, string clientHost) =>
        RunCommand(token => _core.JoinGroup(token, request, version, clientId, clientHost));

    public Task<SyncGroupResponse> SyncGroupAsync(SyncGroupRequest request, short version) =>
        RunCommand(token => _core.SyncGroup(token, request, version));

    public Task<HeartbeatResponse> HeartbeatAsync(HeartbeatRequest request) =>
        RunCommand(_ => _core.Heartbeat(request));

    public Task<LeaveGroupResponse> LeaveGroupAsync(string groupId, IReadOnlyList<LeaveGroupRequest.MemberIdentity> members) =>
        RunCommand(_ => _core.LeaveGroup(groupId, members));

    public Task<OffsetCommitResponse> CommitOffsetsAsync(OffsetCommitRequest request) =>
        RunCommand(_ => _core.CommitOffsets(request));

    /// <summary>
    /// TxnOffsetCommit (v0-4; KIP-98, KIP-447): the offsets are appended to the group's <c>__consumer_offsets</c>
    /// partition as a transactional batch of the request's producer id and epoch, and stay pending, invisible to
    /// OffsetFetch, until <see cref="CompleteTransactionAsync"/> reports the transaction's marker. The log's check of
    /// the producer epoch fails a fenced producer's commit with its error (INVALID_PRODUCER_EPOCH, PRODUCER_FENCED).
    /// Whether the group's partition was added to the transaction (AddOffsetsToTxn) is the caller's to check; its
    /// <paramref name="verificationGuard"/> (KIP-890) goes with the batch to the log, which refuses the append when a
    /// marker retired the guard meanwhile.
    /// </summary>
    public Task<TxnOffsetCommitResponse> TxnOffsetCommitAsync(TxnOffsetCommitRequest request, short version, object? verificationGuard = null) =>
        RunCommand(_ => _core.CommitTransactionalOffsets(request, version, verificationGuard));

    /// <summary>
    /// WriteTxnMarkers appended the commit (<paramref name="commit"/> true) or abort marker of
    /// <paramref name="producerId"/> to <c>__consumer_offsets</c> partition <paramref name="offsetsPartition"/>: the
    /// producer's pending offsets of that partition's groups become committed (unless a plain commit of the same
    /// partition was written after them) or are dropped. Call it only after the marker is in the log, and answer
    /// WriteTxnMarkers only once the returned task completes (the producer's next transaction must not start before).
    /// Answers NOT_COORDINATOR when this node does not coordinate the partition (the marker then takes effect when
    /// its leader loads the log); while the partition loads, the loader applies the marker from the log. Any thread.
    /// </summary>
    public Task<ErrorCode> CompleteTransactionAsync(int offsetsPartition, long producerId, bool commit) =>
        RunQuery(() => _core.CompleteTransaction(offsetsPartition, producerId, commit));

    public Task<OffsetDeleteResponse> DeleteOffsetsAsync(OffsetDeleteRequest request) =>
        RunCommand(_ => _core.DeleteOffsets(request));

    public Task<DeleteGroupsResponse> DeleteGroupsAsync(IReadOnlyList<string> groupIds)
    {
        // Kafka expires a member at its session deadline (a timer each); the tick here runs every 100 ms, so members
        // past their deadline are expired first, or a DeleteGroups just after it would still see them (NON_EMPTY_GROUP).
        Enqueue(() => Apply<IResponseMessage>(_core.Tick(), null, null));
        return RunCommand(_ => _core.DeleteGroups(groupIds));
    }

    /// <summary>
    /// OffsetFetch for one group. <paramref name="requireStable"/> (v7+, KIP-447): partitions with a pending
    /// transactional offset answer UNSTABLE_OFFSET_COMMIT; without it their last committed offset is returned.
    /// </summary>
    public Task<OffsetFetchResponse.OffsetFetchResponseGroup> FetchOffsetsAsync(string groupId, IReadOnlyList<OffsetFetchRequest.OffsetFetchRequestTopics>? topics, string? memberId = null, int memberEpoch = -1, bool requireStable = false) =>
        RunQuery(() => _core.FetchOffsets(groupId, topics, memberId, memberEpoch, requireStable));

    public Task<ConsumerGroupHeartbeatResponse> ConsumerGroupHeartbeatAsync(ConsumerGroupHeartbeatRequest request, short version, string clientId, string clientHost) =>
        RunCommand(_ => _core.ConsumerGroupHeartbeat(request, version, clientId, clientHost));

    public Task<ConsumerGroupDescribeResponse> ConsumerGroupDescribeAsync(IReadOnlyList<string> groupIds) =>
        RunQuery(() => _core.ConsumerGroupDescribe(groupIds));

    public Task<DescribeGroupsResponse.DescribedGroup> DescribeGroupAsync(string groupId) =>
        RunQuery(() => _core.DescribeGroup(groupId));

    public Task<ListGroupsResponse> ListGroupsAsync(IReadOnlyCollection<string> statesFilter, IReadOnlyCollection<string> typesFilter) =>
        RunQuery(() => _core.ListGroups(statesFilter, typesFilter));

    public Task<IReadOnlyList<CommittedOffset>> CommittedOffsetsAsync(string groupId) =>
        RunQuery(() => _core.CommittedOffsets(groupId));

    /// <summary>Consumer lag of <paramref name="groupId"/> on every partition it has committed offsets for.</summary>
    public Task<IReadOnlyList<PartitionLag>> DescribeLagAsync(string groupId) =>
        RunQuery<IReadOnlyList<PartitionLag>>(() =>
        {
            var lags = new List<PartitionLag>();
            foreach (var committed in _core.CommittedOffsets(groupId))
            {
                var highWatermark = _partitions.HighWatermark(committed.Topic, committed.Partition);
                long? lag = highWatermark is { } hw ? Math.Max(hw - committed.Offset, 0) : null;
                lags.Add(new PartitionLag(committed.Topic, committed.Partition, committed.Offset, highWatermark, lag));
            }

            return lags;
        });

    /// <summary>Runs <paramref name="query"/> on the loop (reads only; no records).</summary>
    private Task<T> RunQuery<T>(Func<T> query)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(() => completion.TrySetResult(query()), ex => completion.TrySetException(ex));
        return completion.Task;
    }

    /// <summary>Runs a command on the loop, parking it under a fresh token in case its answer is deferred.</summary>
    private Task<T> RunCommand<T>(Func<long, CoordinatorResult<T>> command)
        where T : class, IResponseMessage
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(
            () =>
            {
                var token = ++_nextToken;
                _parked[token] = new ParkedRequest(response => completion.TrySetResult((T)response), () => completion.TrySetCanceled());
                var result = command(token);
                if (result.Response is not null)
                {
                    _parked.Remove(token);
                }

                Apply(result, result.Response, response => completion.TrySetResult(response));
            },
            ex =>
            {
                completion.TrySetException(ex);
            });
        return completion.Task;
    }

    private void Apply<T>(CoordinatorOutput output, T? response, Action<T>? deliver)
        where T : class, IResponseMessage
    {
        var (failures, commits) = AppendAndReplay(output.Records, output.Transaction);
        if (commits is null)
        {
            Deliver(output, response, deliver, failures);
            return;
        }

        _ = DeliverWhenCommittedAsync(output, response, deliver, failures, commits);
    }

    /// <summary>
    /// Waits (off the loop) until every batch of <paramref name="output"/> is committed, then delivers its
    /// answers on the loop; a batch that does not commit fails what it carried, as if its append had failed.
    /// </summary>
    private async Task DeliverWhenCommittedAsync<T>(CoordinatorOutput output, T? response, Action<T>? deliver, Dictionary<int, ErrorCode>? failures, List<(int Partition, Task<ErrorCode> Committed)> commits)
        where T : class, IResponseMessage
    {
        foreach (var (partition, committed) in commits)
        {
            ErrorCode error;
            try
            {
                error = await committed.ConfigureAwait(false);
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

        Enqueue(() => Deliver(output, response, deliver, failures), ex => LogDeliveryDropped(ex));
    }

    private void Deliver<T>(CoordinatorOutput output, T? response, Action<T>? deliver, Dictionary<int, ErrorCode>? failures)
        where T : class, IResponseMessage
    {
        if (failures is not null)
        {
            foreach (var followUp in AppendFailures.Apply(_core, output, response, failures))
            {
                Apply<IResponseMessage>(followUp, null, null);
            }
        }

        foreach (var completion in output.Completions)
        {
            if (_parked.Remove(completion.Token, out var parked))
            {
                parked.Complete(completion.Response);
            }
        }

        if (response is not null)
        {
            deliver?.Invoke(response);
        }
    }

    /// <summary>
    /// Appends the records, one batch per partition, and replays each partition's records once its
    /// batch is in the log. Returns the partitions whose append failed (with the storage error), or
    /// null when all succeeded, and the commits still to wait for (null when every batch is committed).
    /// Replaying before the commit treats the leader's log as the partition's truth, like Kafka's new
    /// coordinator runtime, but without its snapshot revert: a batch that never commits because leadership
    /// moved is dropped with the unloaded groups; one that timed out (REQUEST_TIMED_OUT,
    /// NOT_ENOUGH_REPLICAS_AFTER_APPEND) stays visible here although its request failed — it is in the
    /// leader's log and normally commits later, as a retried commit would.
    /// </summary>
    private (Dictionary<int, ErrorCode>? Failures, List<(int Partition, Task<ErrorCode> Committed)>? Commits) AppendAndReplay(IReadOnlyList<CoordinatorRecord> records, TransactionalProducer? transaction)
    {
        if (records.Count == 0)
        {
            return (null, null);
        }

        Dictionary<int, ErrorCode>? failures = null;
        List<(int Partition, Task<ErrorCode> Committed)>? commits = null;
        if (_log.PartitionCount is null && _log.CreateTopic(_core.Config.OffsetsTopicNumPartitions) is var created && created != ErrorCode.None && created != ErrorCode.TopicAlreadyExists)
        {
            LogTopicCreationFailed(created);
        }

        foreach (var byPartition in records.GroupBy(r => PartitionFor(r.GroupId)))
        {
            var batch = CoordinatorRecordBatch.Encode(byPartition.ToList(), _time.GetUtcNow().ToUnixTimeMilliseconds(), transaction);
            var appended = _log.Append(byPartition.Key, batch, transaction);
            if (appended.Error != ErrorCode.None)
            {
                LogAppendFailed(byPartition.Key, appended.Error);
                (failures ??= [])[byPartition.Key] = appended.Error;
                continue;
            }

            var producerId = transaction?.ProducerId ?? RecordBatchHeader.NoProducerId;
            foreach (var record in byPartition)
            {
                _core.Replay(record, producerId);
            }

            if (appended.Committed is { } committed)
            {
                (commits ??= []).Add((byPartition.Key, committed));
            }
        }

        return (failures, commits);
    }

    /// <summary>Replays one chunk of a partition, then queues the next, so requests interleave with loading.</summary>
    private void LoadStep(int partition, int leaderEpoch, long offset, long records, long startedTimestamp)
    {
        if (!_leaderEpochs.TryGetValue(partition, out var current) || current != leaderEpoch)
        {
            // Leadership moved (or a newer epoch started its own load) since this step was queued.
            return;
        }

        using var chunk = _log.Read(partition, offset, LoadChunkBytes);
        if (chunk.Error != ErrorCode.None)
        {
            // Serving without the partition's history would hand out stale offsets; keep answering
            // COORDINATOR_LOAD_IN_PROGRESS and retry on the next tick's schedule.
            LogLoadFailed(partition, offset, chunk.Error);
            _retryLoads.Add((partition, leaderEpoch, offset, records, startedTimestamp));
            return;
        }

        var loaded = records;
        var next = chunk.Records.IsEmpty ? -1 : CoordinatorRecordBatch.DecodeAll(
            chunk.Records.Span,
            (record, _, producerId) =>
            {
                _core.Replay(record, producerId);
                loaded++;
            },
            (producerId, commit) => _core.ReplayEndTransaction(partition, producerId, commit));
        if (next >= 0 && next < chunk.HighWatermark)
        {
            Enqueue(() => LoadStep(partition, leaderEpoch, next, loaded, startedTimestamp));
            return;
        }

        _core.CompleteLoading(partition);
        LogPartitionLoaded(partition, loaded, _time.GetElapsedTime(startedTimestamp).TotalMilliseconds);
    }

    private void QueueTick()
    {
        if (Interlocked.Exchange(ref _tickQueued, 1) == 1)
        {
            return;
        }

        Enqueue(() =>
        {
            Volatile.Write(ref _tickQueued, 0);
            if (_retryLoads.Count > 0)
            {
                var retries = _retryLoads.ToList();
                _retryLoads.Clear();
                foreach (var (partition, leaderEpoch, offset, records, started) in retries)
                {
                    LoadStep(partition, leaderEpoch, offset, records, started);
                }
            }

            Apply<IResponseMessage>(_core.Tick(), null, null);
        });
    }

    private void Enqueue(Action run, Action<Exception>? fail = null)
    {
        if (!_queue.Writer.TryWrite(new WorkItem(run, fail)))
        {
            fail?.Invoke(new ObjectDisposedException(nameof(GroupCoordinatorService), "the group coordinator has stopped"));
        }
    }

    private async Task RunLoopAsync()
    {
        await foreach (var item in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                item.Run();
            }
            catch (Exception ex)
            {
                LogEventFailed(ex);
                item.Fail?.Invoke(ex);
            }
        }

        // Stopping: parked JoinGroup/SyncGroup requests will never be answered; their connections are closing.
        foreach (var parked in _parked.Values)
        {
            parked.Cancel();
        }

        _parked.Clear();
    }

    private readonly record struct WorkItem(Action Run, Action<Exception>? Fail);

    private readonly record struct ParkedRequest(Action<IResponseMessage> Complete, Action Cancel);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "Loaded __consumer_offsets partition {Partition}: {Records} records in {ElapsedMs:F0} ms")]
    private partial void LogPartitionLoaded(int partition, long records, double elapsedMs);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Could not read __consumer_offsets partition {Partition} at offset {Offset} ({Error}); retrying")]
    private partial void LogLoadFailed(int partition, long offset, ErrorCode error);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Appending to __consumer_offsets partition {Partition} failed: {Error}")]
    private partial void LogAppendFailed(int partition, ErrorCode error);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Error, Message = "Group coordinator event failed")]
    private partial void LogEventFailed(Exception exception);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "__consumer_offsets already has {Existing} partitions; offsets.topic.num.partitions={Configured} is ignored")]
    private partial void LogPartitionCountMismatch(int existing, int configured);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Error, Message = "Could not create __consumer_offsets: {Error}")]
    private partial void LogTopicCreationFailed(ErrorCode error);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "__consumer_offsets partition {Partition}: a write was not committed ({Error}); its requests fail")]
    private partial void LogCommitFailed(int partition, ErrorCode error);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Error, Message = "__consumer_offsets partition {Partition}: waiting for a write's commit failed")]
    private partial void LogCommitWaitFailed(int partition, Exception exception);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Warning, Message = "Answers of a committed __consumer_offsets write were dropped: the coordinator stopped")]
    private partial void LogDeliveryDropped(Exception exception);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Information, Message = "Loading the groups of __consumer_offsets partition {Partition} (leader epoch {LeaderEpoch})")]
    private partial void LogLoadingPartition(int partition, int leaderEpoch);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Information, Message = "Unloaded the groups of __consumer_offsets partition {Partition}: this node no longer leads it")]
    private partial void LogUnloadedPartition(int partition);
}
