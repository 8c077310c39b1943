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
/// <see cref="Cluster.BrokerMetadataPublisher"/> that turns each committed image into leader and follower
/// states, one <see cref="ReplicaFetcher"/> per source broker for the partitions this node follows, and the
/// leader side Produce and Fetch use (<see cref="IPartitionReplication"/>): follower fetch offsets as their
/// log end offsets, high watermark = minimum LEO over the ISR advanced only within the current leader epoch,
/// acks=all waits in a <see cref="HighWatermarkPurgatory"/>.
/// Partitions with a single replica keep the single-node rule (high watermark = log end offset on append).
/// Not yet: ISR shrink/expand through AlterPartition (the ISR is the image's: the controller only drops
/// fenced brokers), KIP-101 truncation on becoming follower, OffsetForLeaderEpoch / diverging epochs.
/// <see cref="Publish"/> runs on the metadata apply loop; the rest is thread-safe (request threads, fetchers).
/// </summary>
public sealed partial class ReplicaManager(
    int nodeId, LogManager logs, PartitionAppendNotifier appends, BrokerMetrics metrics, TimeProvider time, ILoggerFactory loggerFactory)
    : IMetadataPublisher, IPartitionReplication, IHostedService, IDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<ReplicaManager>();
    private readonly ConcurrentDictionary<TopicPartition, LeaderPartitionState> _leaders = new();
    private readonly ConcurrentDictionary<TopicPartition, FollowerPartitionState> _followers = new();
    private readonly Dictionary<int, ReplicaFetcher> _fetchers = [];
    private readonly Lock _fetchersLock = new();
    private readonly HighWatermarkPurgatory _purgatory = new();
    private bool _stopped;

    public int NodeId => nodeId;

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
                if (registration.Leader == nodeId) BecomeLeader(tp, log, registration);
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

    private void BecomeLeader(TopicPartition tp, PartitionLog log, PartitionRegistration registration)
    {
        _followers.TryRemove(tp, out _);
        if (_leaders.TryGetValue(tp, out var current) && current.LeaderEpoch == registration.LeaderEpoch && ReferenceEquals(current.Log, log))
        {
            current.UpdateMembership(registration.Isr, registration.Replicas);
        }
        else
        {
            _leaders[tp] = new LeaderPartitionState(tp, log, registration.LeaderEpoch, log.LogEndOffset, registration.Isr, registration.Replicas);
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
        if (waiter.IsCompleted) return await waiter.ConfigureAwait(false);
        metrics.ProduceWaitStarted();
        try
        {
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            var delay = Task.Delay(timeout, time, timer.Token);
            var first = await Task.WhenAny(waiter, delay).ConfigureAwait(false);
            await timer.CancelAsync().ConfigureAwait(false);
            if (first == waiter) return await waiter.ConfigureAwait(false);
            _purgatory.Forget(partition, waiter);
            return ErrorCode.RequestTimedOut;
        }
        finally
        {
            metrics.ProduceWaitEnded();
        }
    }

    public bool OnReplicaFetch(TopicPartition partition, PartitionLog log, int replicaId, long fetchOffset)
    {
        if (!_leaders.TryGetValue(partition, out var leader) || !ReferenceEquals(leader.Log, log)) return false;
        if (!leader.RecordFollowerFetch(replicaId, fetchOffset)) return false;
        MaybeAdvanceHighWatermark(leader);
        return true;
    }

    private void MaybeAdvanceHighWatermark(LeaderPartitionState leader)
    {
        if (leader.Log.AdvanceHighWatermarkOnAppend)
        {
            _purgatory.Complete(leader.Partition, leader.Log.HighWatermark);
            return;
        }
        if (leader.CandidateHighWatermark(nodeId) is not { } candidate || candidate <= leader.Log.HighWatermark) return;
        leader.Log.UpdateHighWatermark(candidate);
        var highWatermark = leader.Log.HighWatermark;
        _purgatory.Complete(leader.Partition, highWatermark);
        // Consumers long-polling at the old high watermark have new records to read now.
        appends.NotifyAppended(leader.Partition);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        ReplicaFetcher[] fetchers;
        lock (_fetchersLock)
        {
            _stopped = true;
            fetchers = [.. _fetchers.Values];
            _fetchers.Clear();
        }
        foreach (var fetcher in fetchers) await fetcher.StopAsync().ConfigureAwait(false);
    }

    public void Dispose()
    {
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
    }
}
