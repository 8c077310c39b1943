using System.Collections.Concurrent;
using Fjord.Broker.Fetch;
using Fjord.Broker.Metrics;
using Fjord.Metadata;
using Fjord.Protocol.Errors;
using Fjord.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fjord.Broker.Replication;

/// <summary>
/// Cluster-mode partition replication (Kafka's ReplicaManager, reduced): a metadata publisher placed after
/// <see cref="Publishers.BrokerMetadataPublisher"/> that turns each committed image into leader and follower
/// states, one <see cref="ReplicaFetcher"/> per source broker for the partitions this node follows, and the
/// leader side Produce and Fetch use (<see cref="IPartitionReplication"/>): follower fetch offsets as their
/// log end offsets, high watermark = minimum LEO over the ISR advanced only within the current leader epoch,
/// acks=all waits in a <see cref="HighWatermarkPurgatory"/>.
/// The leader manages the ISR (KIP-497, KIP-841; <see cref="LeaderPartitionState"/> decides): a follower's fetch
/// may expand it, a timer every <c>replica.lag.time.max.ms</c>/2 shrinks out members that fell behind, and each
/// change goes to the active controller through <see cref="AlterPartitionManager"/>, one in flight per partition.
/// Partitions with a single replica keep the single-node rule (high watermark = log end offset on append).
/// Followers truncate a diverged suffix before fetching on (KIP-595 DivergingEpoch, see <see cref="ReplicaFetcher"/>;
/// the leader serves OffsetForLeaderEpoch for KIP-101 clients). Reassignment (KIP-455): adding replicas are followers
/// outside the ISR until they catch up and the leader expands the ISR, which lets the controller complete the move;
/// a replica dropped from the image stops being followed or led here (<see cref="Publishers.BrokerMetadataPublisher"/>
/// deletes its log). Replication throttles (KIP-73, <see cref="ReplicationQuotas"/>): the leader's Fetch handler and
/// the fetchers skip throttled, out-of-sync replicas while their direction's quota is exceeded. With
/// <c>replica.selector.class</c> rack-aware (KIP-392) the leader tells consumers in another rack which in-sync follower
/// of their rack to read from (<see cref="PreferredReadReplica"/>); followers wake consumers long-polling on them when
/// the leader's high watermark reaches them.
/// <see cref="Publish"/> runs on the metadata apply loop; the rest is thread-safe (request threads, fetchers, the shrink timer).
/// </summary>
public sealed partial class ReplicaManager(
    int nodeId, LogManager logs, PartitionAppendNotifier appends, BrokerMetrics metrics, AlterPartitionManager alterPartition,
    TimeSpan replicaLagTimeMax, ReplicationQuotas quotas, bool rackAwareReplicaSelector, TimeProvider time, ILoggerFactory loggerFactory)
    : IMetadataPublisher, IPartitionReplication, IHostedService, IDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<ReplicaManager>();
    private readonly ConcurrentDictionary<TopicPartition, LeaderPartitionState> _leaders = new();
    private readonly ConcurrentDictionary<TopicPartition, FollowerPartitionState> _followers = new();
    private readonly Dictionary<int, ReplicaFetcher> _fetchers = [];
    private readonly Lock _fetchersLock = new();
    private readonly HighWatermarkPurgatory _purgatory = new();
    private readonly CancellationTokenSource _stop = new();
    private int _disposed;
    private volatile MetadataImage? _image;
    private ITimer? _shrinkTimer;
    private bool _stopped;

    public int NodeId => nodeId;

    /// <summary>This broker's replication throttles (KIP-73).</summary>
    public ReplicationQuotas Quotas => quotas;

    public void Publish(MetadataImage image, MetadataDelta? delta)
    {
        try
        {
            Apply(image);
        }
        catch (Exception e)
        {
            ReplicationLog.ApplyFailed(_logger, image.Offset, e);
        }
    }

    private void Apply(MetadataImage image)
    {
        _image = image;
        var seen = new HashSet<TopicPartition>();
        foreach (var topic in image.TopicsById.Values)
        {
            foreach (var (index, registration) in topic.Partitions)
            {
                if (!registration.Replicas.Contains(nodeId)) continue;
                var tp = new TopicPartition(topic.Name, index);
                if (!logs.TryGetLog(tp, out var log)) continue;
                seen.Add(tp);
                // One replica: nothing to wait for, the single-node rule (HW = LEO on append) holds.
                log.AdvanceHighWatermarkOnAppend = registration.Replicas.Length <= 1;
                if (registration.Leader == nodeId) BecomeLeader(tp, topic.Id, log, registration);
                else if (registration.Leader >= 0) BecomeFollower(tp, log, registration);
                else StopReplicating(tp);
            }
        }
        foreach (var tp in _leaders.Keys)
            if (!seen.Contains(tp)) StopReplicating(tp);
        foreach (var tp in _followers.Keys)
            if (!seen.Contains(tp)) StopReplicating(tp);
        UpdateFetchers(image);
    }

    private void BecomeLeader(TopicPartition tp, Guid topicId, PartitionLog log, PartitionRegistration registration)
    {
        _followers.TryRemove(tp, out _);
        if (_leaders.TryGetValue(tp, out var current) && current.LeaderEpoch == registration.LeaderEpoch && ReferenceEquals(current.Log, log))
        {
            var (shrunk, expanded) = current.ApplyRegistration(registration);
            if (shrunk || expanded) IsrCommitted(current, shrunk, expanded);
        }
        else
        {
            _leaders[tp] = new LeaderPartitionState(tp, topicId, log, nodeId, registration, log.LogEndOffset, replicaLagTimeMax, time);
            ReplicationLog.BecameLeader(_logger, tp.ToString(), registration.LeaderEpoch, log.LogEndOffset, log.HighWatermark);
        }
        MaybeAdvanceHighWatermark(_leaders[tp]);
    }

    private void BecomeFollower(TopicPartition tp, PartitionLog log, PartitionRegistration registration)
    {
        if (_leaders.TryRemove(tp, out _)) _purgatory.Abort(tp, ErrorCode.NotLeaderOrFollower);
        if (_followers.TryGetValue(tp, out var current) && current.LeaderId == registration.Leader && current.LeaderEpoch == registration.LeaderEpoch
            && ReferenceEquals(current.Log, log))
            return;
        // No truncation here: the fetcher sends our latest epoch as LastFetchedEpoch and the leader answers a
        // diverged suffix (a former leader's unacknowledged writes) with DivergingEpoch, which the fetcher
        // truncates before fetching on (KIP-595; see ReplicaFetcher.TruncateToDivergence).
        _followers[tp] = new FollowerPartitionState(tp, log, registration.Leader, registration.LeaderEpoch);
        ReplicationLog.BecameFollower(_logger, tp.ToString(), registration.Leader, registration.LeaderEpoch, log.LogEndOffset);
    }

    private void StopReplicating(TopicPartition tp)
    {
        if (_leaders.TryRemove(tp, out _)) _purgatory.Abort(tp, ErrorCode.NotLeaderOrFollower);
        _followers.TryRemove(tp, out _);
    }

    private void UpdateFetchers(MetadataImage image)
    {
        var sources = new HashSet<int>();
        foreach (var follower in _followers.Values) sources.Add(follower.LeaderId);
        lock (_fetchersLock)
        {
            if (_stopped) return;
            foreach (var source in sources)
            {
                if (!image.Brokers.TryGetValue(source, out var broker) || broker.Endpoints.Length == 0) continue;
                var endpoint = broker.Endpoints[0];
                if (!_fetchers.TryGetValue(source, out var fetcher))
                {
                    _fetchers[source] = fetcher = new ReplicaFetcher(this, source, time, loggerFactory.CreateLogger<ReplicaFetcher>());
                    fetcher.Start();
                }
                fetcher.SetEndpoint(endpoint.Host, endpoint.Port);
            }
        }
    }

    /// <summary>The partitions this node fetches from <paramref name="leaderId"/> now. Called by that broker's fetcher.</summary>
    internal List<FollowerPartitionState> FollowedFrom(int leaderId)
    {
        var list = new List<FollowerPartitionState>();
        foreach (var follower in _followers.Values)
            if (follower.LeaderId == leaderId) list.Add(follower);
        return list;
    }

    /// <summary>Whether <paramref name="state"/> is still how this node follows its partition (a fetch response may arrive after a change).</summary>
    internal bool IsCurrent(FollowerPartitionState state) =>
        _followers.TryGetValue(state.Partition, out var current) && ReferenceEquals(current, state);

    public ErrorCode CheckEnoughReplicas(TopicPartition partition, PartitionLog log)
    {
        if (!_leaders.TryGetValue(partition, out var leader)) return ErrorCode.None;
        return leader.Isr.Length < log.Config.MinInSyncReplicas ? ErrorCode.NotEnoughReplicas : ErrorCode.None;
    }

    public void OnLeaderAppended(TopicPartition partition, PartitionLog log)
    {
        if (_leaders.TryGetValue(partition, out var leader)) MaybeAdvanceHighWatermark(leader);
    }

    public async Task<ErrorCode> WaitForHighWatermarkAsync(TopicPartition partition, PartitionLog log, long offset, TimeSpan timeout, CancellationToken cancel)
    {
        if (!_leaders.ContainsKey(partition)) return log.HighWatermark >= offset ? ErrorCode.None : ErrorCode.NotLeaderOrFollower;
        var waiter = _purgatory.Watch(partition, offset, () => log.HighWatermark);
        if (waiter.IsCompleted) return EnoughReplicasAfterAppend(partition, log, await waiter.ConfigureAwait(false));
        metrics.ProduceWaitStarted();
        try
        {
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            var delay = Task.Delay(timeout, time, timer.Token);
            var first = await Task.WhenAny(waiter, delay).ConfigureAwait(false);
            await timer.CancelAsync().ConfigureAwait(false);
            if (first == waiter) return EnoughReplicasAfterAppend(partition, log, await waiter.ConfigureAwait(false));
            _purgatory.Forget(partition, waiter);
            return ErrorCode.RequestTimedOut;
        }
        finally
        {
            metrics.ProduceWaitEnded();
        }
    }

    /// <summary>
    /// Kafka's checkEnoughReplicasReachOffset: the high watermark passed the write, but when the (maximal) ISR
    /// that committed it is smaller than <c>min.insync.replicas</c> — it shrank while the produce waited — the
    /// write is answered NOT_ENOUGH_REPLICAS_AFTER_APPEND (it is in the log; the producer may retry).
    /// </summary>
    private ErrorCode EnoughReplicasAfterAppend(TopicPartition partition, PartitionLog log, ErrorCode waited)
    {
        if (waited != ErrorCode.None || !_leaders.TryGetValue(partition, out var leader)) return waited;
        return leader.MaximalIsr.Length < log.Config.MinInSyncReplicas ? ErrorCode.NotEnoughReplicasAfterAppend : ErrorCode.None;
    }

    public bool OnReplicaFetch(TopicPartition partition, PartitionLog log, int replicaId, long fetchOffset, long replicaLogStartOffset)
    {
        if (!_leaders.TryGetValue(partition, out var leader) || !ReferenceEquals(leader.Log, log)) return false;
        if (!leader.RecordFollowerFetch(replicaId, fetchOffset, log.LogEndOffset, replicaLogStartOffset)) return false;
        MaybeAdvanceHighWatermark(leader);
        if (!log.AdvanceHighWatermarkOnAppend && leader.TryExpand(replicaId, log.HighWatermark, IsEligibleReplica) is { } expansion)
        {
            ReplicationLog.ExpandingIsr(_logger, partition.ToString(), replicaId, leader.FollowerLogEndOffset(replicaId), log.HighWatermark, Members(expansion.NewIsr));
            _ = SendIsrChangeAsync(leader, expansion);
        }
        return true;
    }

    /// <summary>
    /// KIP-392 (Kafka's findPreferredReadReplica with RackAwareReplicaSelector): the candidates are ISR followers holding
    /// <paramref name="fetchOffset"/> (<see cref="LeaderPartitionState.ReadReplicaCandidates"/>) on brokers the image has
    /// alive — unfenced and, unlike Kafka, not in controlled shutdown either, since such a broker is about to stop serving.
    /// </summary>
    public int PreferredReadReplica(TopicPartition partition, PartitionLog log, string clientRack, long fetchOffset)
    {
        if (!rackAwareReplicaSelector || _image is not { } image
            || !_leaders.TryGetValue(partition, out var leader) || !ReferenceEquals(leader.Log, log)) return -1;
        var leaderRack = image.Brokers.TryGetValue(nodeId, out var self) ? self.Rack : null;
        // The common case, a consumer in the leader's rack, costs no candidate list.
        if (leaderRack == clientRack) return -1;
        var candidates = leader.ReadReplicaCandidates(fetchOffset);
        for (var i = candidates.Count - 1; i >= 0; i--)
        {
            if (image.Brokers.TryGetValue(candidates[i].BrokerId, out var broker) && broker.IsEligibleReplica)
                candidates[i] = candidates[i] with { Rack = broker.Rack };
            else
                candidates.RemoveAt(i);
        }
        var selected = RackAwareReplicaSelector.Select(clientRack, new ReplicaView(nodeId, leaderRack, log.LogEndOffset, TimeSpan.Zero), candidates);
        if (selected == nodeId) return -1;
        ReplicationLog.PreferredReadReplica(_logger, partition.ToString(), clientRack, fetchOffset, selected);
        return selected;
    }

    public bool ReplicaAwaitsHighWatermark(TopicPartition partition, PartitionLog log, int replicaId, long highWatermark) =>
        rackAwareReplicaSelector && _leaders.TryGetValue(partition, out var leader) && ReferenceEquals(leader.Log, log)
        && leader.FollowerBehindHighWatermark(replicaId, highWatermark);

    public void HighWatermarkSentToReplica(TopicPartition partition, PartitionLog log, int replicaId, long highWatermark)
    {
        if (rackAwareReplicaSelector && _leaders.TryGetValue(partition, out var leader) && ReferenceEquals(leader.Log, log))
            leader.HighWatermarkSent(replicaId, highWatermark);
    }

    /// <summary>A follower's high watermark moved: consumers long-polling on this follower (KIP-392) have new records to read. Called by the fetchers.</summary>
    internal void FollowerHighWatermarkAdvanced(TopicPartition partition) => appends.NotifyAppended(partition);

    public bool IsLeaderThrottled(TopicPartition partition, PartitionLog log, int replicaId) =>
        !quotas.Leader.IsUnlimited
        && log.Config.LeaderReplicationThrottledReplicas.Contains(partition.Partition, nodeId)
        && _leaders.TryGetValue(partition, out var leader) && ReferenceEquals(leader.Log, log)
        // KIP-73: only replicas outside the ISR are throttled, so a throttle never slows the high watermark down.
        && !leader.Isr.Contains(replicaId);

    public bool IsLeaderQuotaExceeded() => quotas.Leader.IsQuotaExceeded();

    public void RecordLeaderThrottledBytes(long bytes) => quotas.Leader.Record(bytes);

    /// <summary>
    /// Follower side of KIP-73: whether <paramref name="state"/>'s fetched bytes count against the follower quota — the
    /// partition's <c>follower.replication.throttled.replicas</c> lists this broker's replica and the image does not
    /// have it in the ISR. Called by the fetchers.
    /// </summary>
    internal bool IsFollowerThrottled(FollowerPartitionState state) =>
        !quotas.Follower.IsUnlimited
        && state.Log.Config.FollowerReplicationThrottledReplicas.Contains(state.Partition.Partition, nodeId)
        && !(_image?.GetTopic(state.Partition.Topic) is { } topic && topic.Partitions.TryGetValue(state.Partition.Partition, out var registration)
            && registration.Isr.Contains(nodeId));

    public PartitionReplicaStatus? StatusOf(TopicPartition partition)
    {
        if (_leaders.TryGetValue(partition, out var leader)) return new(IsLeader: true, IsOffline: false, leader.Isr.Length, leader.Replicas.Length);
        if (_image?.GetTopic(partition.Topic) is not { } topic || !topic.Partitions.TryGetValue(partition.Partition, out var registration)) return null;
        return new(IsLeader: false, IsOffline: !registration.HasLeader, 0, 0);
    }

    /// <summary>KIP-841: only unfenced brokers that are not shutting down may join an ISR (the image this node applied last).</summary>
    private bool IsEligibleReplica(int brokerId) => _image is { } image && image.Brokers.TryGetValue(brokerId, out var broker) && broker.IsEligibleReplica;

    /// <summary>The shrink timer: proposes removing lagging members from every ISR this node leads (Kafka's isr-expiration task).</summary>
    private void CheckIsrShrink()
    {
        foreach (var leader in _leaders.Values)
        {
            try
            {
                if (leader.Log.AdvanceHighWatermarkOnAppend || leader.TryShrink(leader.Log.LogEndOffset) is not { } shrink) continue;
                ReplicationLog.ShrinkingIsr(_logger, leader.Partition.ToString(), Members(leader.Isr), Members(shrink.NewIsr),
                    leader.Log.LogEndOffset, leader.Log.HighWatermark);
                _ = SendIsrChangeAsync(leader, shrink);
            }
            catch (Exception e)
            {
                ReplicationLog.ShrinkCheckFailed(_logger, leader.Partition.ToString(), e);
            }
        }
    }

    /// <summary>Sends <paramref name="change"/> to the controller and applies the answer; never throws (the change is dropped or left pending).</summary>
    private async Task SendIsrChangeAsync(LeaderPartitionState leader, IsrChange change)
    {
        AlterPartitionResult result;
        try
        {
            result = await alterPartition.SubmitAsync(leader.TopicId, leader.Partition.Partition, change, _stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            ReplicationLog.AlterPartitionCrashed(_logger, leader.Partition.ToString(), e);
            result = new AlterPartitionResult(leader.TopicId, leader.Partition.Partition, ErrorCode.UnknownServerError, -1, -1, [], -1);
        }
        if (result.Error is ErrorCode.NotController or ErrorCode.BrokerIdNotRegistered or ErrorCode.NetworkException or ErrorCode.RequestTimedOut)
            ReplicationLog.IsrChangeNotSent(_logger, leader.Partition.ToString(), Members(change.NewIsr), result.Error.KafkaName());
        else if (result.Error != ErrorCode.None)
            ReplicationLog.IsrChangeRefused(_logger, leader.Partition.ToString(), Members(change.NewIsr), result.Error.KafkaName());
        var (shrunk, expanded) = leader.CompleteChange(change, result);
        if (!_leaders.TryGetValue(leader.Partition, out var current) || !ReferenceEquals(current, leader)) return;
        if (shrunk || expanded) IsrCommitted(leader, shrunk, expanded);
        // A smaller ISR may let the high watermark move (and complete or fail waiting acks=all produces).
        MaybeAdvanceHighWatermark(leader);
    }

    private void IsrCommitted(LeaderPartitionState leader, bool shrunk, bool expanded)
    {
        if (shrunk) metrics.IsrShrunk();
        if (expanded) metrics.IsrExpanded();
        ReplicationLog.IsrChanged(_logger, leader.Partition.ToString(), Members(leader.Isr), leader.PartitionEpoch);
    }

    private static string Members(System.Collections.Immutable.ImmutableArray<int> ids) => string.Join(",", ids);

    private void MaybeAdvanceHighWatermark(LeaderPartitionState leader)
    {
        if (leader.Log.AdvanceHighWatermarkOnAppend)
        {
            _purgatory.Complete(leader.Partition, leader.Log.HighWatermark);
            return;
        }
        if (leader.CandidateHighWatermark(leader.Log.LogEndOffset) is not { } candidate || candidate <= leader.Log.HighWatermark) return;
        leader.Log.UpdateHighWatermark(candidate);
        var highWatermark = leader.Log.HighWatermark;
        _purgatory.Complete(leader.Partition, highWatermark);
        // Consumers long-polling at the old high watermark have new records to read now.
        appends.NotifyAppended(leader.Partition);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Kafka checks every replica.lag.time.max.ms / 2, so a member is shrunk out at most 1.5 × the lag after it stopped.
        var period = TimeSpan.FromTicks(Math.Max(replicaLagTimeMax.Ticks / 2, TimeSpan.FromMilliseconds(10).Ticks));
        _shrinkTimer = time.CreateTimer(_ => CheckIsrShrink(), null, period, period);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _shrinkTimer?.Dispose();
        await _stop.CancelAsync().ConfigureAwait(false);
        ReplicaFetcher[] fetchers;
        lock (_fetchersLock)
        {
            _stopped = true;
            fetchers = [.. _fetchers.Values];
            _fetchers.Clear();
        }
        foreach (var fetcher in fetchers) await fetcher.StopAsync().ConfigureAwait(false);
    }

    /// <summary>Idempotent: the container disposes it once per service it is registered as.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _shrinkTimer?.Dispose();
        _stop.Cancel();
        _stop.Dispose();
        lock (_fetchersLock)
        {
            _stopped = true;
            foreach (var fetcher in _fetchers.Values) fetcher.Dispose();
            _fetchers.Clear();
        }
    }

    private static partial class ReplicationLog
    {
        [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Leading {Partition} at epoch {LeaderEpoch} from log end offset {LogEndOffset} (high watermark {HighWatermark})")]
        public static partial void BecameLeader(ILogger logger, string partition, int leaderEpoch, long logEndOffset, long highWatermark);

        [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Following {Partition}: leader {LeaderId} at epoch {LeaderEpoch}, local log end offset {LogEndOffset}")]
        public static partial void BecameFollower(ILogger logger, string partition, int leaderId, int leaderEpoch, long logEndOffset);

        [LoggerMessage(EventId = 7003, Level = LogLevel.Error, Message = "Applying metadata at offset {Offset} to replication failed")]
        public static partial void ApplyFailed(ILogger logger, ulong offset, Exception exception);

        [LoggerMessage(EventId = 7004, Level = LogLevel.Information, Message = "Shrinking the ISR of {Partition} from [{Isr}] to [{NewIsr}] (log end offset {LogEndOffset}, high watermark {HighWatermark})")]
        public static partial void ShrinkingIsr(ILogger logger, string partition, string isr, string newIsr, long logEndOffset, long highWatermark);

        [LoggerMessage(EventId = 7005, Level = LogLevel.Information, Message = "Expanding the ISR of {Partition} to [{NewIsr}]: replica {ReplicaId} reached {FollowerLogEndOffset} (high watermark {HighWatermark})")]
        public static partial void ExpandingIsr(ILogger logger, string partition, int replicaId, long followerLogEndOffset, long highWatermark, string newIsr);

        [LoggerMessage(EventId = 7006, Level = LogLevel.Information, Message = "ISR of {Partition} is now [{Isr}] (partition epoch {PartitionEpoch})")]
        public static partial void IsrChanged(ILogger logger, string partition, string isr, int partitionEpoch);

        [LoggerMessage(EventId = 7007, Level = LogLevel.Information, Message = "The controller did not take ISR [{NewIsr}] for {Partition}: {Error}")]
        public static partial void IsrChangeRefused(ILogger logger, string partition, string newIsr, string error);

        [LoggerMessage(EventId = 7010, Level = LogLevel.Debug, Message = "ISR [{NewIsr}] for {Partition} not sent ({Error}); proposed again on the next fetch or shrink check")]
        public static partial void IsrChangeNotSent(ILogger logger, string partition, string newIsr, string error);

        [LoggerMessage(EventId = 7008, Level = LogLevel.Error, Message = "Sending an ISR change for {Partition} failed")]
        public static partial void AlterPartitionCrashed(ILogger logger, string partition, Exception exception);

        [LoggerMessage(EventId = 7009, Level = LogLevel.Error, Message = "Checking the ISR of {Partition} for lagging members failed")]
        public static partial void ShrinkCheckFailed(ILogger logger, string partition, Exception exception);

        [LoggerMessage(EventId = 7011, Level = LogLevel.Debug, Message = "Consumers in rack {ClientRack} fetching {Partition} at {FetchOffset} are sent to replica {BrokerId}")]
        public static partial void PreferredReadReplica(ILogger logger, string partition, string clientRack, long fetchOffset, int brokerId);
    }
}
