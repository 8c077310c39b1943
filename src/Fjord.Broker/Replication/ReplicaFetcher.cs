using Fjord.Protocol.Framing;
using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace Fjord.Broker.Replication;

/// <summary>
/// One source broker's replica fetcher (Kafka's ReplicaFetcherThread): a loop that sends Fetch v12 with
/// ReplicaId = this node to the leader's Kafka listener for every partition this node follows from it
/// (fetch offset = local log end offset, CurrentLeaderEpoch = the image's), appends the returned batches
/// verbatim (<see cref="Storage.PartitionLog.AppendAsFollower"/>) and takes the leader's high watermark (waking
/// consumers that long-poll on this follower, KIP-392).
/// Each fetch carries LastFetchedEpoch (the local log's latest epoch), so a log that diverged from the
/// leader's (a former leader's unacknowledged suffix) gets a DivergingEpoch answer and is truncated before
/// fetching on (KIP-595, replacing KIP-101's OffsetForLeaderEpoch round trip); OFFSET_OUT_OF_RANGE is
/// resolved like Kafka's fetcher does. Only this loop writes a followed log.
/// Replication throttle (KIP-73): while <c>follower.replication.throttled.rate</c> is exceeded, partitions listed for
/// this broker in <c>follower.replication.throttled.replicas</c> and not in the ISR are left out of the next fetch.
/// Sessionless full fetches; one connection, reopened after an I/O error. Owned by <see cref="ReplicaManager"/>;
/// <see cref="SetEndpoint"/> may be called from the metadata apply loop while the loop runs.
/// </summary>
public sealed partial class ReplicaFetcher(ReplicaManager manager, int sourceBrokerId, TimeProvider time, ILogger<ReplicaFetcher> logger) : IDisposable
{
    private const short FetchVersion = 12;
    private const int MaxWaitMs = 500;
    private const int PartitionMaxBytes = 1024 * 1024;
    private static readonly TimeSpan IdleBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ErrorBackoff = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stop = new();
    private volatile string? _endpoint;
    private Task? _loop;
    private TcpClient? _client;
    private int _correlationId;

    public int SourceBrokerId => sourceBrokerId;

    /// <summary>
    /// Test-only mutation (set through InternalsVisibleTo, never from configuration): a DivergingEpoch answer is
    /// acknowledged without truncating, so the follower keeps a former leader's suffix and appends after it. The
    /// follower-path tests must catch it; the planted-bug test proves they still do.
    /// </summary>
    internal bool PlantAppendWithoutTruncating { get; init; }

    public void SetEndpoint(string host, int port) => _endpoint = $"{host}:{port}";

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        Dispose();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var partitions = manager.FollowedFrom(sourceBrokerId);
            if (partitions.Count == 0 || _endpoint is null)
            {
                await Task.Delay(IdleBackoff, time, stop).ConfigureAwait(false);
                continue;
            }
            // KIP-73: while the follower quota is exceeded, throttled out-of-sync replicas are left out of the fetch.
            var throttled = manager.Quotas.Follower.IsUnlimited ? null : ThrottledOf(partitions);
            if (throttled is not null && manager.Quotas.Follower.IsQuotaExceeded())
            {
                partitions.RemoveAll(throttled.Contains);
                if (partitions.Count == 0)
                {
                    await Task.Delay(IdleBackoff, time, stop).ConfigureAwait(false);
                    continue;
                }
            }
            try
            {
                var response = await FetchAsync(partitions, stop).ConfigureAwait(false);
                if (!Process(partitions, throttled, response)) await Task.Delay(ErrorBackoff, time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException)
            {
                // The connect or round-trip deadline passed: a leader behind a network partition drops packets
                // instead of refusing them. The connection is in an unknown state; start over on a fresh one.
                FetcherLog.FetchFailed(logger, sourceBrokerId, _endpoint, "timed out");
                CloseConnection();
                await Task.Delay(ErrorBackoff, time, stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or ProtocolException or ObjectDisposedException)
            {
                FetcherLog.FetchFailed(logger, sourceBrokerId, _endpoint, e.Message);
                CloseConnection();
                await Task.Delay(ErrorBackoff, time, stop).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // A fetcher that dies stops every partition it serves from ever catching up again, silently:
                // whatever went wrong, log it and keep fetching (Kafka's fetcher threads do the same).
                FetcherLog.FetcherFailed(logger, sourceBrokerId, e);
                CloseConnection();
                await Task.Delay(ErrorBackoff, time, stop).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The partitions whose fetched bytes count against the follower quota; null when none do.</summary>
    private HashSet<FollowerPartitionState>? ThrottledOf(List<FollowerPartitionState> partitions)
    {
        HashSet<FollowerPartitionState>? throttled = null;
        foreach (var p in partitions)
            if (manager.IsFollowerThrottled(p)) (throttled ??= []).Add(p);
        return throttled;
    }

    /// <summary>
    /// Applies a fetch response; false when any partition failed (the loop backs off before retrying). Bytes appended
    /// for <paramref name="throttled"/> partitions are recorded against the follower quota.
    /// </summary>
    internal bool Process(List<FollowerPartitionState> partitions, HashSet<FollowerPartitionState>? throttled, FetchResponse response)
    {
        if (response.ErrorCode != 0)
        {
            FetcherLog.PartitionError(logger, sourceBrokerId, "*", ((ErrorCode)response.ErrorCode).KafkaName());
            return false;
        }
        var byKey = new Dictionary<(string, int), FollowerPartitionState>(partitions.Count);
        foreach (var p in partitions) byKey[(p.Partition.Topic, p.Partition.Partition)] = p;
        var ok = true;
        foreach (var topic in response.Responses)
        {
            foreach (var data in topic.Partitions)
            {
                if (!byKey.TryGetValue((topic.Topic, data.PartitionIndex), out var state) || !manager.IsCurrent(state)) continue;
                var error = (ErrorCode)data.ErrorCode;
                if (error == ErrorCode.OffsetOutOfRange)
                {
                    ok &= HandleOutOfRange(state, data);
                    continue;
                }
                if (error != ErrorCode.None)
                {
                    // NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH: the image moves on and
                    // the manager re-points this partition.
                    FetcherLog.PartitionError(logger, sourceBrokerId, state.Partition.ToString(), error.KafkaName());
                    ok = false;
                    continue;
                }
                if (data.DivergingEpoch is { EndOffset: >= 0 } diverging)
                {
                    if (PlantAppendWithoutTruncating) continue;
                    ok &= TruncateToDivergence(state, diverging.Epoch, diverging.EndOffset);
                    continue;
                }
                if (data.Records is { Length: > 0 } records)
                {
                    var result = state.Log.AppendAsFollower(records);
                    if (result.Error != ErrorCode.None)
                    {
                        FetcherLog.AppendFailed(logger, state.Partition.ToString(), result.Error.KafkaName(), result.ErrorMessage);
                        ok = false;
                        continue;
                    }
                    if (throttled is not null && throttled.Contains(state)) manager.Quotas.Follower.Record(records.Length);
                }
                // A follower's high watermark is the leader's, never beyond what it holds itself.
                if (data.HighWatermark >= 0)
                {
                    var before = state.Log.HighWatermark;
                    state.Log.UpdateHighWatermark(Math.Min(data.HighWatermark, state.Log.LogEndOffset));
                    if (state.Log.HighWatermark > before) manager.FollowerHighWatermarkAdvanced(state.Partition);
                }
            }
        }
        return ok;
    }

    /// <summary>KIP-595: truncates to where our log and the leader's agree (<see cref="FollowerTruncation.ForDivergingEpoch"/>).</summary>
    private bool TruncateToDivergence(FollowerPartitionState state, int leaderEpoch, long leaderEndOffset)
    {
        var log = state.Log;
        var logEndOffset = log.LogEndOffset;
        var (localEpoch, localEndOffset) = log.LeaderEpochs.EndOffsetFor(leaderEpoch, logEndOffset);
        var target = FollowerTruncation.ForDivergingEpoch(leaderEpoch, leaderEndOffset, localEpoch, localEndOffset, logEndOffset);
        return Truncate(state, target, $"diverging epoch {leaderEpoch} ending at {leaderEndOffset} (ours: epoch {localEpoch} ending at {localEndOffset})");
    }

    /// <summary>
    /// OFFSET_OUT_OF_RANGE (<see cref="FollowerTruncation.ForOutOfRange"/>), from the log start offset and high
    /// watermark a Fjord leader sends with the error.
    /// </summary>
    private bool HandleOutOfRange(FollowerPartitionState state, FetchResponse.PartitionData data)
    {
        var log = state.Log;
        var logEndOffset = log.LogEndOffset;
        var (action, offset) = FollowerTruncation.ForOutOfRange(logEndOffset, data.LogStartOffset, data.HighWatermark);
        switch (action)
        {
            case OutOfRangeAction.TruncateTo:
                return Truncate(state, offset, $"fetch offset out of range, above the leader's high watermark {offset}");
            case OutOfRangeAction.TruncateFullyAndStartAt:
                if (!manager.IsCurrent(state)) return true;
                var error = log.TruncateFullyAndStartAt(offset);
                if (error != ErrorCode.None)
                {
                    FetcherLog.TruncationFailed(logger, state.Partition.ToString(), offset, error.KafkaName());
                    return false;
                }
                FetcherLog.TruncatedFully(logger, state.Partition.ToString(), logEndOffset, offset, sourceBrokerId);
                return true;
            default:
                FetcherLog.OutOfRangeUnresolved(logger, state.Partition.ToString(), logEndOffset, data.LogStartOffset, data.HighWatermark, sourceBrokerId);
                return false;
        }
    }

    private bool Truncate(FollowerPartitionState state, long target, string reason)
    {
        var log = state.Log;
        var logEndOffset = log.LogEndOffset;
        // A fetch answered after this node became leader (or followed another leader) must not cut its log.
        if (!manager.IsCurrent(state)) return true;
        if (target >= logEndOffset)
        {
            FetcherLog.NothingToTruncate(logger, state.Partition.ToString(), logEndOffset, reason);
            return true;
        }
        var error = log.TruncateTo(target);
        if (error != ErrorCode.None)
        {
            FetcherLog.TruncationFailed(logger, state.Partition.ToString(), target, error.KafkaName());
            return false;
        }
        FetcherLog.Truncated(logger, state.Partition.ToString(), logEndOffset, log.LogEndOffset, sourceBrokerId, reason);
        return true;
    }

    private async Task<FetchResponse> FetchAsync(List<FollowerPartitionState> partitions, CancellationToken stop)
    {
        var request = new FetchRequest
        {
            ReplicaId = manager.NodeId,
            MaxWaitMs = MaxWaitMs,
            MinBytes = 1,
            MaxBytes = 16 * 1024 * 1024,
            SessionId = 0,
            SessionEpoch = -1,
        };
        FetchRequest.FetchTopic? current = null;
        foreach (var p in partitions)
        {
            if (current is null || current.Topic != p.Partition.Topic)
            {
                current = new FetchRequest.FetchTopic { Topic = p.Partition.Topic };
                request.Topics.Add(current);
            }
            current.Partitions.Add(new FetchRequest.FetchPartition
            {
                Partition = p.Partition.Partition,
                CurrentLeaderEpoch = p.LeaderEpoch,
                FetchOffset = p.Log.LogEndOffset,
                LastFetchedEpoch = p.Log.LeaderEpochs.LatestEpoch,
                LogStartOffset = p.Log.LogStartOffset,
                PartitionMaxBytes = PartitionMaxBytes,
            });
        }

        var stream = await ConnectAsync(stop).ConfigureAwait(false);
        var correlationId = ++_correlationId;
        var frame = KafkaRequestFrame.Encode(request, FetchVersion, correlationId, $"fjord-replica-fetcher-{manager.NodeId}");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(MaxWaitMs + 10_000));
        await stream.WriteAsync(frame, timeout.Token).ConfigureAwait(false);
        var sizeBytes = new byte[4];
        await stream.ReadExactlyAsync(sizeBytes, timeout.Token).ConfigureAwait(false);
        var size = BinaryPrimitives.ReadInt32BigEndian(sizeBytes);
        if (size < 4 || size > 256 * 1024 * 1024) throw new ProtocolException($"Fetch response frame of {size} bytes");
        // Cold enough for now (one buffer per fetch round trip); the records are sliced out of it, not copied again.
        var payload = new byte[size];
        await stream.ReadExactlyAsync(payload, timeout.Token).ConfigureAwait(false);
        return KafkaRequestFrame.DecodeResponse<FetchResponse>(new ReadOnlySequence<byte>(payload), FetchRequest.ApiKeyValue, FetchVersion, correlationId);
    }

    private async Task<NetworkStream> ConnectAsync(CancellationToken stop)
    {
        if (_client is { Connected: true } client) return client.GetStream();
        CloseConnection();
        var endpoint = _endpoint ?? throw new IOException("no endpoint");
        var colon = endpoint.LastIndexOf(':');
        var fresh = new TcpClient { NoDelay = true };
        try
        {
            // Bounded: a SYN into a partitioned network is not refused, and the kernel would retry it for minutes.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
            deadline.CancelAfter(ConnectTimeout);
            await fresh.ConnectAsync(endpoint[..colon], int.Parse(endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture), deadline.Token).ConfigureAwait(false);
        }
        catch
        {
            fresh.Dispose();
            throw;
        }
        _client = fresh;
        return fresh.GetStream();
    }

    private void CloseConnection()
    {
        _client?.Dispose();
        _client = null;
    }

    public void Dispose()
    {
        _stop.Cancel();
        CloseConnection();
    }

    private static partial class FetcherLog
    {
        [LoggerMessage(EventId = 7109, Level = LogLevel.Error, Message = "Replica fetcher for broker {BrokerId} failed; it keeps fetching")]
        public static partial void FetcherFailed(ILogger logger, int brokerId, Exception exception);

        [LoggerMessage(EventId = 7101, Level = LogLevel.Warning, Message = "Replica fetch from broker {BrokerId} at {Endpoint} failed: {Reason}")]
        public static partial void FetchFailed(ILogger logger, int brokerId, string? endpoint, string reason);

        [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "Replica fetch from broker {BrokerId} for {Partition}: {Error}")]
        public static partial void PartitionError(ILogger logger, int brokerId, string partition, string error);

        [LoggerMessage(EventId = 7103, Level = LogLevel.Error, Message = "Appending fetched batches to {Partition} failed: {Error} {Message}")]
        public static partial void AppendFailed(ILogger logger, string partition, string error, string? message);

        [LoggerMessage(EventId = 7104, Level = LogLevel.Information, Message = "Truncated {Partition} from log end offset {FromOffset} to {ToOffset} following leader {LeaderId}: {Reason}")]
        public static partial void Truncated(ILogger logger, string partition, long fromOffset, long toOffset, int leaderId, string reason);

        [LoggerMessage(EventId = 7105, Level = LogLevel.Information, Message = "Truncated {Partition} fully (log end offset {FromOffset}) to start at leader {LeaderId}'s log start offset {StartOffset}")]
        public static partial void TruncatedFully(ILogger logger, string partition, long fromOffset, long startOffset, int leaderId);

        [LoggerMessage(EventId = 7106, Level = LogLevel.Error, Message = "Truncating {Partition} to {Offset} failed: {Error}")]
        public static partial void TruncationFailed(ILogger logger, string partition, long offset, string error);

        [LoggerMessage(EventId = 7107, Level = LogLevel.Warning, Message = "Fetch offset {LogEndOffset} of {Partition} is out of range at leader {LeaderId} (log start {LeaderLogStartOffset}, high watermark {LeaderHighWatermark}) and no truncation resolves it; retrying")]
        public static partial void OutOfRangeUnresolved(ILogger logger, string partition, long logEndOffset, long leaderLogStartOffset, long leaderHighWatermark, int leaderId);

        [LoggerMessage(EventId = 7108, Level = LogLevel.Debug, Message = "{Partition} already ends at {LogEndOffset}; nothing to truncate for {Reason}")]
        public static partial void NothingToTruncate(ILogger logger, string partition, long logEndOffset, string reason);
    }
}
