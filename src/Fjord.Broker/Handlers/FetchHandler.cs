using System.Buffers;
using Fjord.Broker.Fetch;
using Fjord.Broker.Metrics;
using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Metadata.Acls;
using Fjord.Broker.Replication;
using Fjord.Broker.Topics;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Storage;

namespace Fjord.Broker.Handlers;

/// <summary>
/// Fetch, versions 4-17 (Kafka 4's minimum is 4; librdkafka 2.0.2 needs 4 listed for record batches).
/// - Long poll: answers once MinBytes are available, MaxWaitMs has passed, or an error occurs;
///   a produce to any fetched partition wakes the wait.
/// - Limits: MaxBytes over the response and PartitionMaxBytes per partition, except that the
///   first batch of the first non-empty partition is always returned whole (KIP-74), so a
///   batch larger than the limits cannot stall a consumer.
/// - Records are the log's bytes as they are on disk, never decoded or re-encoded.
/// - Incremental fetch sessions (KIP-227, v7+): epoch 0 opens a session, -1 closes it; an
///   incremental response carries only partitions with new data, a changed high watermark or
///   log start offset, or an error. Unknown sessions get FETCH_SESSION_ID_NOT_FOUND, wrong epochs
///   INVALID_FETCH_SESSION_EPOCH.
/// - v13+: topics by id; an unknown id gets UNKNOWN_TOPIC_ID.
/// - Reads stop at the high watermark; read_committed stops at the last stable offset, equal to
///   it while there are no transactions.
/// - CurrentLeaderEpoch (v9+): newer than ours → UNKNOWN_LEADER_EPOCH, older → FENCED_LEADER_EPOCH.
/// - Cluster mode: "ours" is the image's leader epoch (<see cref="IPartitionLeadership"/>; 0 on a single node), on
///   leaders and followers alike. A partition this node holds no replica of gets NOT_LEADER_OR_FOLLOWER, as does one
///   it follows unless the fetch is a consumer's v11+ (below): replica fetches and older consumers are leader-only
///   (Kafka's fetchOnlyFromLeader).
/// - KIP-392, fetch from the closest replica: a consumer's Fetch v11+ carries its rack (<c>client.rack</c>, maybe
///   empty). A follower serves it from its own log up to its own high watermark (which trails the leader's by one
///   fetch round trip; the leader answers its parked fetch when the high watermark moves), with the same long poll, limits, sessions and epoch checks; an offset between its high
///   watermark and log end offset reads as empty, one outside its log as OFFSET_OUT_OF_RANGE (on which the Java
///   consumer, and librdkafka for an offset above the high watermark, go back to the leader). The leader, with <c>replica.selector.class</c> rack-aware, answers a
///   partition whose leader is outside the consumer's rack and which an in-sync, alive follower in that rack holds at
///   the fetch offset with PreferredReadReplica = that follower, no records and no wait
///   (<see cref="IPartitionReplication.PreferredReadReplica"/>); the consumer then fetches from the follower.
/// - LastFetchedEpoch (v12+, KIP-595; followers, and consumers that send it): when our end offset for that
///   epoch (<see cref="LeaderEpochCache.EndOffsetFor"/>) is in an older epoch or below FetchOffset, the
///   partition answers DivergingEpoch {epoch, end offset} and no records, so the fetcher truncates to it;
///   an end offset we cannot determine, or a FetchOffset below the log start offset, is
///   OFFSET_OUT_OF_RANGE (Kafka's Partition.readRecords). Such a fetch is not recorded as the follower's
///   log end offset. OFFSET_OUT_OF_RANGE answers carry the high watermark and log start offset, which a
///   Fjord follower uses to pick where to truncate.
/// - With an authorizer: a consumer needs READ on each topic, a follower CLUSTER_ACTION on the cluster; other
///   partitions get TOPIC_AUTHORIZATION_FAILED, as in Kafka.
/// - Replica fetches (ReplicaId, or ReplicaState.ReplicaId from v15, ≥ 0) with replication on
///   (<see cref="IPartitionReplication"/>): the fetch offset is recorded as that follower's log end offset
///   (which may advance the high watermark) and the read goes up to the log end offset, not the high watermark.
///   Every wait is event-driven: an append wakes followers parked at the log end, a follower's next fetch moves the
///   high watermark, and that wakes the acks=all produces and consumer fetches parked below it (two round trips per
///   acknowledged batch). With a rack-aware <c>replica.selector.class</c> a follower's parked fetch is also answered
///   as soon as the high watermark passes the one it was last sent, so consumers reading from it are not held back.
/// - Replication throttle (KIP-73): a replica fetch of a partition whose leader replica is listed in
///   <c>leader.replication.throttled.replicas</c>, from a follower outside the ISR, returns no records (no error, the
///   high watermark as usual) while <c>leader.replication.throttled.rate</c> is exceeded; the bytes such partitions do
///   return are counted against that rate once the response is final.
/// </summary>
public sealed class FetchHandler(
    TopicRegistry topics, IPartitionLeadership leadership, FetchSessionCache sessions, PartitionAppendNotifier appends, TimeProvider time, BrokerMetrics metrics,
    BrokerAuthorizer authorizer, IPartitionReplication? replication = null) : ApiHandler<FetchRequest, FetchResponse>
{
    private const int FirstTopicIdVersion = 13;
    private const int FirstSessionVersion = 7;
    private const int FirstLastFetchedEpochVersion = 12;
    private const int FirstClientRackVersion = 11;
    private const sbyte ReadCommitted = 1;

    public override ApiKey ApiKey => ApiKey.Fetch;

    public override short MinVersion => 4;

    public override short MaxVersion => 17;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, FetchRequest request)
    {
        var version = context.ApiVersion;
        var (error, session, incremental) = ResolveSession(request, version);
        if (error != ErrorCode.None)
        {
            // Session errors are top-level only, as in Kafka: the client drops its session and fetches in full.
            return new FetchResponse { ErrorCode = (short)error, SessionId = 0 };
        }

        var partitions = session!.Ordered;
        var replicaId = replication is null ? -1 : version >= 15 ? request.ReplicaState.ReplicaId : request.ReplicaId;
        // KIP-392: a consumer's v11+ fetch carries client metadata; only such a fetch may be served by a follower or sent to one.
        var clientRack = version >= FirstClientRackVersion && replicaId < 0 ? request.RackId : null;
        var deadline = time.GetTimestamp() + time.TimestampFrequency * Math.Max(0, request.MaxWaitMs) / 1000;
        // Decided once per request, as Kafka does: a parked fetch re-reads on every append, and a follower's fetch
        // wakes on each one, so checking ACLs in every read would scan them per partition per append.
        var refused = Refused(context, partitions, replicaId);
        PartitionRead[] reads;
        while (true)
        {
            var signals = request.MaxWaitMs > 0 ? WaitSignals(partitions) : null;
            reads = ReadAll(partitions, refused, request, replicaId, clientRack);
            var bytes = 0L;
            var answerNow = false;
            foreach (var read in reads)
            {
                bytes += read.Records.Length;
                // Kafka answers at once on an error, and when it points a consumer at another replica.
                answerNow |= read.Error != ErrorCode.None || read.PreferredReadReplica >= 0 || read.HighWatermarkNews;
            }

            var remaining = time.GetElapsedTime(time.GetTimestamp(), deadline);
            if (signals is null || bytes >= request.MinBytes || answerNow || remaining <= TimeSpan.Zero || context.ConnectionClosed.IsCancellationRequested)
            {
                break;
            }

            foreach (var read in reads)
            {
                read.Dispose();
            }

            using var wakeUp = CancellationTokenSource.CreateLinkedTokenSource(context.ConnectionClosed);
            metrics.FetchWaitStarted();
            try
            {
                await Task.WhenAny(Task.WhenAny(signals), Task.Delay(remaining, time, wakeUp.Token));
            }
            finally
            {
                metrics.FetchWaitEnded();
            }

            await wakeUp.CancelAsync();
        }

        if (replicaId >= 0)
        {
            RecordThrottledBytes(reads);
            RecordHighWatermarksSent(partitions, reads, replicaId);
        }

        return BuildResponse(context, version, session, incremental, reads, toReplica: replicaId >= 0);
    }

    /// <summary>KIP-73: the bytes sent for throttled replicas count against the leader's replication quota (Kafka records them once per response).</summary>
    private void RecordThrottledBytes(PartitionRead[] reads)
    {
        var throttledBytes = 0L;
        foreach (var read in reads)
        {
            if (read.Throttled)
            {
                throttledBytes += read.Records.Length;
            }
        }

        replication!.RecordLeaderThrottledBytes(throttledBytes);
    }

    /// <summary>KIP-392: what each partition's high watermark was when this follower was answered.</summary>
    private void RecordHighWatermarksSent(List<CachedFetchPartition> partitions, PartitionRead[] reads, int replicaId)
    {
        for (var i = 0; i < reads.Length; i++)
        {
            if (reads[i].Log is { } log && reads[i].Error == ErrorCode.None)
            {
                replication!.HighWatermarkSentToReplica(new TopicPartition(partitions[i].TopicName!, partitions[i].Key.Partition), log, replicaId, reads[i].HighWatermark);
            }
        }
    }

    /// <summary>Works out which partitions this request fetches, per KIP-227.</summary>
    private (ErrorCode Error, FetchSession? Session, bool Incremental) ResolveSession(FetchRequest request, short version)
    {
        var sessionless = version < FirstSessionVersion || (request.SessionId == 0 && request.SessionEpoch == FetchSessionCache.FinalEpoch);
        if (sessionless || request.SessionEpoch == FetchSessionCache.FinalEpoch)
        {
            if (!sessionless)
            {
                sessions.Remove(request.SessionId);
            }

            return (ErrorCode.None, ApplyRequest(new FetchSession(0), request, version), false);
        }

        if (request.SessionEpoch == FetchSessionCache.InitialEpoch)
        {
            if (request.SessionId != 0)
            {
                sessions.Remove(request.SessionId);
            }

            return (ErrorCode.None, ApplyRequest(sessions.Create(), request, version), false);
        }

        var error = sessions.TryGet(request.SessionId, request.SessionEpoch, out var session);
        if (error != ErrorCode.None)
        {
            return (error, null, false);
        }

        ApplyRequest(session!, request, version);
        foreach (var forgotten in request.ForgottenTopicsData)
        {
            var name = version >= FirstTopicIdVersion ? null : forgotten.Topic;
            foreach (var partition in forgotten.Partitions)
            {
                session!.Remove(new FetchPartitionKey(name, version >= FirstTopicIdVersion ? forgotten.TopicId : Uuid.Zero, partition));
            }
        }

        session!.NextEpoch = session.NextEpoch == int.MaxValue ? 1 : session.NextEpoch + 1;
        return (ErrorCode.None, session, true);
    }

    private FetchSession ApplyRequest(FetchSession session, FetchRequest request, short version)
    {
        foreach (var topic in request.Topics)
        {
            string? name;
            FetchPartitionKey KeyOf(int partition) => version >= FirstTopicIdVersion
                ? new FetchPartitionKey(null, topic.TopicId, partition)
                : new FetchPartitionKey(topic.Topic, Uuid.Zero, partition);

            if (version >= FirstTopicIdVersion)
            {
                name = topics.TryGet(topic.TopicId, out var byId) ? byId.Name : null;
            }
            else
            {
                name = topic.Topic;
            }

            foreach (var partition in topic.Partitions)
            {
                session.AddOrUpdate(KeyOf(partition.Partition), name, partition.FetchOffset, partition.LogStartOffset, partition.PartitionMaxBytes, partition.CurrentLeaderEpoch,
                    version >= FirstLastFetchedEpochVersion ? partition.LastFetchedEpoch : LeaderEpochCache.UndefinedEpoch);
            }
        }

        return session;
    }

    private Task[] WaitSignals(List<CachedFetchPartition> partitions)
    {
        var signals = new Task[partitions.Count];
        for (var i = 0; i < partitions.Count; i++)
        {
            var partition = partitions[i];
            signals[i] = partition.TopicName is null
                ? Task.Delay(Timeout.Infinite)
                : appends.NextAppend(new TopicPartition(partition.TopicName, partition.Key.Partition));
        }

        return signals;
    }

    /// <summary>
    /// Which partitions the principal may not read (null: all allowed). Kafka: a follower needs CLUSTER_ACTION on the
    /// cluster, a consumer READ on each topic.
    /// </summary>
    private bool[]? Refused(RequestContext context, List<CachedFetchPartition> partitions, int replicaId)
    {
        if (!authorizer.Enabled) return null;
        if (replicaId >= 0)
        {
            return authorizer.AuthorizeCluster(context, AclOperation.ClusterAction) ? null : [.. partitions.Select(_ => true)];
        }
        return [.. partitions.Select(p => p.TopicName is { } topic && !authorizer.Authorize(context, AclOperation.Read, AclResourceType.Topic, topic))];
    }

    private PartitionRead[] ReadAll(List<CachedFetchPartition> partitions, bool[]? refused, FetchRequest request, int replicaId, string? clientRack)
    {
        var reads = new PartitionRead[partitions.Count];
        var budget = (long)request.MaxBytes;
        var collected = 0L;
        for (var i = 0; i < partitions.Count; i++)
        {
            reads[i] = Read(partitions[i], refused?[i] == true, budget - collected, minOneBatch: collected == 0, replicaId, clientRack, request.IsolationLevel);
            collected += reads[i].Records.Length;
        }

        return reads;
    }

    private PartitionRead Read(CachedFetchPartition partition, bool refused, long budget, bool minOneBatch, int replicaId, string? clientRack, sbyte isolationLevel)
    {
        if (partition.TopicName is null)
        {
            return PartitionRead.Failed(ErrorCode.UnknownTopicId);
        }

        if (refused)
        {
            return PartitionRead.Failed(ErrorCode.TopicAuthorizationFailed);
        }

        var topicPartition = new TopicPartition(partition.TopicName, partition.Key.Partition);
        var role = leadership.RoleOf(partition.TopicName, partition.Key.Partition, out var currentLeaderEpoch);
        if (!topics.TryGetLog(partition.TopicName, partition.Key.Partition, out var log))
        {
            // Kafka: a partition the cluster has but this broker holds no replica of is NOT_LEADER_OR_FOLLOWER.
            var known = role == PartitionRole.NotReplica && topics.TryGet(partition.TopicName, out var topic)
                && partition.Key.Partition >= 0 && partition.Key.Partition < topic.PartitionCount;
            return PartitionRead.Failed(known ? ErrorCode.NotLeaderOrFollower : ErrorCode.UnknownTopicOrPartition);
        }

        if (role == PartitionRole.NotReplica || (role == PartitionRole.Follower && clientRack is null))
        {
            return PartitionRead.Failed(ErrorCode.NotLeaderOrFollower);
        }

        if (partition.CurrentLeaderEpoch > currentLeaderEpoch)
        {
            return PartitionRead.Failed(ErrorCode.UnknownLeaderEpoch);
        }

        if (partition.CurrentLeaderEpoch >= 0 && partition.CurrentLeaderEpoch < currentLeaderEpoch)
        {
            return PartitionRead.Failed(ErrorCode.FencedLeaderEpoch);
        }

        // KIP-392: the leader points a consumer at a replica in its rack instead of serving it (Kafka skips the read).
        if (role == PartitionRole.Leader && clientRack is { Length: > 0 }
            && replication?.PreferredReadReplica(topicPartition, log, clientRack, partition.FetchOffset) is >= 0 and var preferred)
        {
            return new PartitionRead(ErrorCode.None, log.HighWatermark, log.LogStartOffset, ReadOnlyMemory<byte>.Empty, null) { PreferredReadReplica = preferred };
        }

        var logStartOffset = log.LogStartOffset;
        if (partition.LastFetchedEpoch >= 0)
        {
            var logEndOffset = log.LogEndOffset;
            var (epoch, endOffset) = log.LeaderEpochs.EndOffsetFor(partition.LastFetchedEpoch, logEndOffset);
            if (epoch == LeaderEpochCache.UndefinedEpoch || endOffset == LeaderEpochCache.UndefinedEpochOffset || partition.FetchOffset < logStartOffset)
            {
                return new PartitionRead(ErrorCode.OffsetOutOfRange, log.HighWatermark, logStartOffset, ReadOnlyMemory<byte>.Empty, null);
            }

            if (epoch < partition.LastFetchedEpoch || endOffset < partition.FetchOffset)
            {
                return new PartitionRead(ErrorCode.None, log.HighWatermark, logStartOffset, ReadOnlyMemory<byte>.Empty, null, new DivergingEpoch(epoch, endOffset));
            }
        }

        // A follower reads to the log end offset; its fetch offset is its log end offset (Kafka's updateFollowerFetchState),
        // but only when it lies inside our log: an out-of-range offset says nothing about what the follower holds.
        var fromReplica = replicaId >= 0
            && partition.FetchOffset >= logStartOffset && partition.FetchOffset <= log.LogEndOffset
            && replication!.OnReplicaFetch(topicPartition, log, replicaId, partition.FetchOffset, partition.LogStartOffset);

        // A consumer reads to the high watermark, read_committed to the last stable offset (KIP-98); on a follower both
        // are its own (KIP-392: never beyond what the leader had committed when it last said).
        var highWatermark = log.HighWatermark;
        var lastStableOffset = log.LastStableOffset;
        var readCommitted = !fromReplica && isolationLevel == ReadCommitted;
        var throttled = fromReplica && replication!.IsLeaderThrottled(topicPartition, log, replicaId);
        if (throttled && replication!.IsLeaderQuotaExceeded())
        {
            // Kafka's shouldLeaderThrottle: fewer bytes (none for this partition), not an error.
            return new PartitionRead(ErrorCode.None, highWatermark, logStartOffset, ReadOnlyMemory<byte>.Empty, null);
        }

        var maxBytes = (int)Math.Clamp(Math.Min(partition.MaxBytes, budget), 0, int.MaxValue);
        var upperBound = fromReplica ? log.LogEndOffset : readCommitted ? lastStableOffset : highWatermark;
        var result = log.Read(partition.FetchOffset, maxBytes, upperBound, minOneBatch);
        return new PartitionRead(result.Error, highWatermark, log.LogStartOffset, result.Records, result)
        {
            LastStableOffset = lastStableOffset,
            // Every aborted transaction the returned data may hold (Kafka bounds it by the data's end; the LSO bounds that).
            AbortedTransactions = readCommitted && result.Records.Length > 0 ? log.CollectAbortedTransactions(partition.FetchOffset, upperBound) : null,
            Throttled = throttled,
            Log = fromReplica ? log : null,
            HighWatermarkNews = fromReplica && replication!.ReplicaAwaitsHighWatermark(topicPartition, log, replicaId, highWatermark),
        };
    }

    private FetchResponse BuildResponse(RequestContext context, short version, FetchSession session, bool incremental, PartitionRead[] reads, bool toReplica)
    {
        var response = new FetchResponse { SessionId = session.Id };
        FetchResponse.FetchableTopicResponse? current = null;
        for (var i = 0; i < reads.Length; i++)
        {
            var partition = session.Ordered[i];
            var read = reads[i];
            var changed = read.Error != ErrorCode.None
                || read.Diverging is not null
                || read.PreferredReadReplica >= 0
                || read.Records.Length > 0
                || read.HighWatermark != partition.LastSentHighWatermark
                || read.LogStartOffset != partition.LastSentLogStartOffset;
            if (incremental && !changed)
            {
                read.Dispose();
                continue;
            }

            partition.LastSentHighWatermark = read.HighWatermark;
            partition.LastSentLogStartOffset = read.LogStartOffset;
            if (read.Owner is not null)
            {
                context.DisposeAfterResponse(read.Owner);
            }

            if (read.Records.Length > 0 && partition.TopicName is not null)
            {
                metrics.RecordsFetched(partition.TopicName, read.Records.Length, toReplica);
            }

            var key = partition.Key;
            if (current is null || (version >= FirstTopicIdVersion ? current.TopicId != key.TopicId : current.Topic != key.TopicName))
            {
                current = new FetchResponse.FetchableTopicResponse { Topic = key.TopicName ?? "", TopicId = key.TopicId };
                response.Responses.Add(current);
            }

            var data = new FetchResponse.PartitionData
            {
                PartitionIndex = key.Partition,
                ErrorCode = (short)read.Error,
                HighWatermark = read.HighWatermark,
                LastStableOffset = read.LastStableOffset,
                AbortedTransactions = AbortedTransactionsOf(read),
                LogStartOffset = read.LogStartOffset,
                Records = new ReadOnlySequence<byte>(read.Records),
                PreferredReadReplica = read.PreferredReadReplica,
            };
            if (read.Diverging is { } diverging)
            {
                data.DivergingEpoch = new FetchResponse.EpochEndOffset { Epoch = diverging.Epoch, EndOffset = diverging.EndOffset };
            }

            current.Partitions.Add(data);
        }

        return response;
    }

    /// <summary>read_committed: the aborted transactions of the data (an empty list when none); read_uncommitted: null, as Kafka.</summary>
    private static List<FetchResponse.AbortedTransaction>? AbortedTransactionsOf(PartitionRead read)
    {
        if (read.AbortedTransactions is not { } aborted) return null;
        var list = new List<FetchResponse.AbortedTransaction>(aborted.Count);
        foreach (var transaction in aborted)
        {
            list.Add(new FetchResponse.AbortedTransaction { ProducerId = transaction.ProducerId, FirstOffset = transaction.FirstOffset });
        }

        return list;
    }

    /// <summary>The error at the top (v7+) and on every named partition, since v4-6 have no top-level error.</summary>
    protected override FetchResponse ErrorResponse(FetchRequest request, ErrorCode error)
    {
        var response = new FetchResponse { ErrorCode = (short)error, SessionId = 0 };
        foreach (var topic in request.Topics)
        {
            var topicResponse = new FetchResponse.FetchableTopicResponse { Topic = topic.Topic, TopicId = topic.TopicId };
            foreach (var partition in topic.Partitions)
            {
                topicResponse.Partitions.Add(new FetchResponse.PartitionData { PartitionIndex = partition.Partition, ErrorCode = (short)error, HighWatermark = -1 });
            }

            response.Responses.Add(topicResponse);
        }

        return response;
    }

    private readonly record struct PartitionRead(
        ErrorCode Error, long HighWatermark, long LogStartOffset, ReadOnlyMemory<byte> Records, IDisposable? Owner, DivergingEpoch? Diverging = null) : IDisposable
    {
        /// <summary>A replica fetch whose bytes count against the leader's replication quota (KIP-73).</summary>
        public bool Throttled { get; init; }

        /// <summary>A replica fetch's partition log (for <see cref="IPartitionReplication.HighWatermarkSentToReplica"/>); null otherwise.</summary>
        public PartitionLog? Log { get; init; }

        /// <summary>KIP-392: the follower was last told an older high watermark, so its fetch is answered now.</summary>
        public bool HighWatermarkNews { get; init; }

        /// <summary>The partition's last stable offset when read; the high watermark when nothing was read.</summary>
        public long LastStableOffset { get; init; } = HighWatermark;

        /// <summary>read_committed: the aborted transactions overlapping the returned data; null otherwise.</summary>
        public IReadOnlyList<Fjord.Storage.Transactions.AbortedTransaction>? AbortedTransactions { get; init; }

        /// <summary>KIP-392: the replica the consumer should fetch this partition from instead, or -1.</summary>
        public int PreferredReadReplica { get; init; } = -1;

        public static PartitionRead Failed(ErrorCode error) => new(error, -1, -1, ReadOnlyMemory<byte>.Empty, null);

        public void Dispose() => Owner?.Dispose();
    }

    /// <summary>The largest epoch (and its end offset) up to which the fetcher's log agrees with ours (KIP-595).</summary>
    private sealed record DivergingEpoch(int Epoch, long EndOffset);
}
