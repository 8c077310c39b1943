using Fjord.Broker.Fetch;
using Fjord.Broker.Metrics;
using Fjord.Broker.Network;
using Fjord.Broker.Security;
using Fjord.Metadata.Acls;
using Fjord.Broker.Replication;
using Fjord.Broker.Topics;
using Fjord.Broker.Transactions;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Protocol.Records;
using Fjord.Storage;
using Microsoft.Extensions.Logging;

namespace Fjord.Broker.Handlers;

/// <summary>
/// Produce, versions 3-12, advertised from 0.
/// - librdkafka before 2.11.1 compresses only when the advertised range contains v0, so v0 is
///   listed (as Kafka 4 does, KAFKA-18659); v0-2 would carry legacy message sets (magic 0/1) and
///   are answered UNSUPPORTED_VERSION. No supported client sends them once it has negotiated.
/// - acks must be -1, 0 or 1 (INVALID_REQUIRED_ACKS); acks=0 gets no response at all.
/// - Every batch is checked before anything is appended: structure, magic 2
///   (UNSUPPORTED_FOR_MESSAGE_FORMAT otherwise), CRC-32C (CORRUPT_MESSAGE), record counts,
///   max.message.bytes per batch (MESSAGE_TOO_LARGE, checked by the log), zstd only from v7 (UNSUPPORTED_COMPRESSION_TYPE).
/// - Record-level checks by the log (Kafka's LogValidator): a compacted topic refuses records without a key
///   (INVALID_RECORD), and message.timestamp.before/after.max.ms refuse CreateTime records too far from the broker's clock
///   (INVALID_TIMESTAMP, KIP-937); the bad records are listed in v8+ record_errors (KIP-467) with Kafka's error_message.
/// - Batches are stored verbatim; the log assigns offsets and checks idempotent sequences
///   (a retried duplicate gets its original offset, a gap OUT_OF_ORDER_SEQUENCE_NUMBER).
/// - With an authorizer, a topic the principal may not WRITE gets TOPIC_AUTHORIZATION_FAILED.
/// - Unknown topics get UNKNOWN_TOPIC_OR_PARTITION (Kafka creates topics on Metadata, not Produce).
/// - Transactional produce (KIP-98) needs WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED); its
///   batches open the producer's transaction on the partition (the last stable offset stays at its first offset until
///   the coordinator's marker). Control batches from clients: INVALID_RECORD. A batch that would open the
///   producer's transaction on a partition is first verified with the coordinator (KIP-890 part 1,
///   <see cref="TransactionVerifier"/>): not in the transaction → INVALID_TXN_STATE, coordinator unavailable →
///   NOT_ENOUGH_REPLICAS (retried). v12 (KIP-890 part 2, a transaction version 2 client) adds the partition to the
///   transaction instead of verifying (AddPartitionsToTxn v5 without verify_only): the client sends no AddPartitionsToTxn.
///   Either way the append carries the <see cref="VerificationGuard"/> taken before the coordinator was asked, so a marker
///   written meanwhile makes the append INVALID_TXN_STATE instead of opening a transaction no marker will close.
/// - One node: acks=all is satisfied once the leader (this node) has appended.
/// - Cluster mode: a partition this node does not lead gets NOT_LEADER_OR_FOLLOWER (<see cref="IPartitionLeadership"/>);
///   batches are stamped with the image's leader epoch. With replication (<see cref="IPartitionReplication"/>):
///   acks=all gets NOT_ENOUGH_REPLICAS before the append when the ISR is below min.insync.replicas, and
///   its response waits until the high watermark passes every appended batch (REQUEST_TIMED_OUT after
///   the request's timeout, NOT_LEADER_OR_FOLLOWER when leadership moves meanwhile, and
///   NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below min.insync.replicas while it waited: the
///   batch is in the log, committed by fewer replicas than asked for).
/// </summary>
public sealed partial class ProduceHandler(
    TopicRegistry topics, IPartitionLeadership leadership, PartitionAppendNotifier appends, BrokerMetrics metrics, ILogger<ProduceHandler> logger,
    BrokerAuthorizer authorizer, IPartitionReplication? replication = null, TransactionVerifier? verifier = null) : ApiHandler<ProduceRequest, ProduceResponse>
{
    private const int FirstRecordBatchVersion = 3;
    private const int FirstZstdVersion = 7;
    // Guards are checked, none was taken: shared, never written, so a plain produce allocates nothing for it.
    private static readonly Dictionary<TopicPartition, VerificationGuard> s_noGuards = [];
    private const string NotInTransaction = "The partition is not part of the producer's ongoing transaction (KIP-890 verification): it was aborted, timed out, or never added";

    public override ApiKey ApiKey => ApiKey.Produce;

    public override short MinVersion => FirstRecordBatchVersion;

    // Without a transaction coordinator to add partitions through, transaction version 2 clients cannot be served.
    public override short MaxVersion => verifier is null ? (short)(FirstTransactionVersion2Version - 1) : FirstTransactionVersion2Version;

    /// <summary>KIP-890 part 2: from this version the producer is a transaction version 2 client.</summary>
    private const short FirstTransactionVersion2Version = 12;

    public override short AdvertisedMinVersion => 0;

    protected override ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, ProduceRequest request)
    {
        if (request.Acks is not (-1 or 0 or 1))
        {
            return new(ErrorResponse(request, ErrorCode.InvalidRequiredAcks));
        }

        if (request.TransactionalId is { } transactionalId && !authorizer.Authorize(context, AclOperation.Write, AclResourceType.TransactionalId, transactionalId))
        {
            return new(ErrorResponse(request, ErrorCode.TransactionalIdAuthorizationFailed));
        }

        // A transaction version 2 client relies on the leader to add its partitions, whether or not verification is on.
        var transactionVersion = TransactionVersionOf(context);
        if (verifier is null || (!verifier.VerifiesPartitions && transactionVersion < 2))
        {
            return AppendAll(context, request, refused: null, guards: null);
        }

        if (PartitionsToVerify(request, transactionVersion) is { Count: > 0 } unverified)
        {
            // Kafka 3.6+: without a transactional id nothing can be verified, so such a batch cannot start a transaction.
            return request.TransactionalId is { } id
                ? VerifyThenAppendAsync(context, request, id, unverified)
                : AppendAll(context, request, unverified.ToDictionary(u => u.Partition, _ => ErrorCode.InvalidTxnState), guards: s_noGuards);
        }

        return AppendAll(context, request, refused: null, guards: s_noGuards);
    }

    /// <summary>
    /// KIP-890 part 1: the transactional batches that would start the producer's transaction on a partition this node
    /// leads (it has none open there yet), each to be verified with the coordinator before it is appended, with the
    /// guard its append will present, taken now: before the coordinator is asked.
    /// </summary>
    private List<(TopicPartition Partition, long ProducerId, short ProducerEpoch, VerificationGuard Guard)>? PartitionsToVerify(ProduceRequest request, short transactionVersion)
    {
        List<(TopicPartition, long, short, VerificationGuard)>? unverified = null;
        Span<byte> headerBytes = stackalloc byte[RecordBatchHeader.HeaderSize];
        foreach (var topicData in request.TopicData)
        {
            foreach (var partitionData in topicData.PartitionData)
            {
                if (partitionData.Records is not { Length: >= RecordBatchHeader.HeaderSize } records) continue;
                System.Buffers.BuffersExtensions.CopyTo(records.Slice(0, RecordBatchHeader.HeaderSize), headerBytes);
                if (!RecordBatchHeader.TryRead(headerBytes, out var header) || !header.IsTransactional || header.IsControl) continue;
                if (!topics.TryGetLog(topicData.Name, partitionData.Index, out var log) || log.HasOngoingTransaction(header.ProducerId, header.ProducerEpoch)) continue;
                var guard = log.BeginTransactionVerification(header.ProducerId, header.ProducerEpoch, transactionVersion);
                (unverified ??= []).Add((new TopicPartition(topicData.Name, partitionData.Index), header.ProducerId, header.ProducerEpoch, guard));
            }
        }

        return unverified;
    }

    private async ValueTask<IResponseMessage?> VerifyThenAppendAsync(RequestContext context, ProduceRequest request, string transactionalId,
        List<(TopicPartition Partition, long ProducerId, short ProducerEpoch, VerificationGuard Guard)> unverified)
    {
        var addToTransaction = TransactionVersionOf(context) >= 2;
        var checks = new Task<ErrorCode>[unverified.Count];
        for (var i = 0; i < unverified.Count; i++)
        {
            checks[i] = verifier!.VerifyAsync(transactionalId, unverified[i].ProducerId, unverified[i].ProducerEpoch, unverified[i].Partition, addToTransaction, context.ConnectionClosed);
        }

        Dictionary<TopicPartition, ErrorCode>? refused = null;
        var guards = new Dictionary<TopicPartition, VerificationGuard>(unverified.Count);
        for (var i = 0; i < checks.Length; i++)
        {
            if (await checks[i].ConfigureAwait(false) is not ErrorCode.None and var error) (refused ??= [])[unverified[i].Partition] = error;
            guards[unverified[i].Partition] = unverified[i].Guard;
        }

        return await AppendAll(context, request, refused, guards).ConfigureAwait(false);
    }

    private static short TransactionVersionOf(RequestContext context) => context.ApiVersion >= FirstTransactionVersion2Version ? (short)2 : (short)0;

    /// <summary>
    /// Appends every partition not <paramref name="refused"/>. When transactions are verified (<paramref name="guards"/>
    /// not null), each append presents its partition's guard, or <see cref="VerificationGuard.Unverified"/> when none was
    /// taken (a batch that continued an open transaction when checked, and may not open one if a marker closed it since).
    /// </summary>
    private ValueTask<IResponseMessage?> AppendAll(RequestContext context, ProduceRequest request, Dictionary<TopicPartition, ErrorCode>? refused,
        Dictionary<TopicPartition, VerificationGuard>? guards)
    {
        var response = new ProduceResponse();
        List<(ProduceResponse.PartitionProduceResponse Response, TopicPartition Partition, PartitionLog Log, long Offset)>? waits = null;
        foreach (var topicData in request.TopicData)
        {
            var topicResponse = new ProduceResponse.TopicProduceResponse { Name = topicData.Name };
            // Kafka checks WRITE before existence, so a client cannot probe for topics it may not write.
            var topicError = !authorizer.Authorize(context, AclOperation.Write, AclResourceType.Topic, topicData.Name) ? ErrorCode.TopicAuthorizationFailed
                : !topics.TryGet(topicData.Name, out _) ? ErrorCode.UnknownTopicOrPartition
                : ErrorCode.None;
            foreach (var partitionData in topicData.PartitionData)
            {
                PartitionLog? log = null;
                var nextOffset = -1L;
                var partitionError = topicError == ErrorCode.None && refused is not null
                    ? refused.GetValueOrDefault(new TopicPartition(topicData.Name, partitionData.Index))
                    : topicError;
                var partitionResponse = partitionError == ErrorCode.None
                    ? Append(context, request.Acks, topicData.Name, partitionData, GuardFor(guards, topicData.Name, partitionData.Index), out log, out nextOffset)
                    : Failed(partitionData.Index, partitionError, partitionError == ErrorCode.InvalidTxnState ? NotInTransaction : null);
                topicResponse.PartitionResponses.Add(partitionResponse);
                if (replication is not null && request.Acks == -1 && partitionResponse.ErrorCode == 0 && log is not null)
                    (waits ??= []).Add((partitionResponse, new TopicPartition(topicData.Name, partitionData.Index), log, nextOffset));
            }

            response.Responses.Add(topicResponse);
        }

        if (waits is not null)
            return WaitForReplicationAsync(context, request, response, waits);
        return new(request.Acks == 0 ? null : response);
    }

    /// <summary>acks=all: the response leaves once every partition's high watermark passed its batches.</summary>
    private async ValueTask<IResponseMessage?> WaitForReplicationAsync(RequestContext context, ProduceRequest request, ProduceResponse response,
        List<(ProduceResponse.PartitionProduceResponse Response, TopicPartition Partition, PartitionLog Log, long Offset)> waits)
    {
        var timeout = TimeSpan.FromMilliseconds(Math.Max(0, request.TimeoutMs));
        var tasks = new Task<ErrorCode>[waits.Count];
        for (var i = 0; i < waits.Count; i++)
            tasks[i] = replication!.WaitForHighWatermarkAsync(waits[i].Partition, waits[i].Log, waits[i].Offset, timeout, context.ConnectionClosed);
        for (var i = 0; i < waits.Count; i++)
        {
            var error = await tasks[i];
            if (error == ErrorCode.None) continue;
            var partitionResponse = waits[i].Response;
            partitionResponse.ErrorCode = (short)error;
            if (error == ErrorCode.NotEnoughReplicasAfterAppend)
                partitionResponse.ErrorMessage = $"The ISR shrank below min.insync.replicas={waits[i].Log.Config.MinInSyncReplicas} after the append";
            partitionResponse.BaseOffset = -1;
            partitionResponse.LogAppendTimeMs = -1;
            partitionResponse.LogStartOffset = -1;
        }
        return response;
    }

    private static VerificationGuard? GuardFor(Dictionary<TopicPartition, VerificationGuard>? guards, string topic, int partition) =>
        guards is null ? null
        : guards.TryGetValue(new TopicPartition(topic, partition), out var guard) ? guard
        : VerificationGuard.Unverified;

    private ProduceResponse.PartitionProduceResponse Append(RequestContext context, short acks, string topic, ProduceRequest.PartitionProduceData partitionData,
        VerificationGuard? verificationGuard, out PartitionLog? appendedTo, out long nextOffset)
    {
        appendedTo = null;
        nextOffset = -1;
        if (!topics.TryGetLog(topic, partitionData.Index, out var log))
        {
            return Failed(partitionData.Index, ErrorCode.UnknownTopicOrPartition, null);
        }

        if (leadership.CheckLeader(topic, partitionData.Index, out var leaderEpoch) is not ErrorCode.None and var notLeader)
        {
            return Failed(partitionData.Index, notLeader, null);
        }

        if (partitionData.Records is not { Length: > 0 } records)
        {
            return Failed(partitionData.Index, ErrorCode.InvalidRecord, "The produce request carries no record batch");
        }

        var validation = RecordBatchValidator.Validate(records);
        if (!validation.IsValid)
        {
            LogInvalidBatch(topic, partitionData.Index, context.ClientId, validation.ErrorCode.KafkaName(), validation.ErrorMessage);
            return Failed(partitionData.Index, validation.ErrorCode, validation.ErrorMessage);
        }

        if (validation.Compression == CompressionType.Zstd && context.ApiVersion < FirstZstdVersion)
        {
            return Failed(partitionData.Index, ErrorCode.UnsupportedCompressionType, "zstd needs Produce v7 or later");
        }

        if (validation.IsControl)
        {
            // Kafka's LogValidator: only a transaction coordinator writes markers (WriteTxnMarkers).
            return Failed(partitionData.Index, ErrorCode.InvalidRecord, "Clients may not write control batches");
        }

        if (replication is not null && acks == -1 && replication.CheckEnoughReplicas(new TopicPartition(topic, partitionData.Index), log) is not ErrorCode.None and var tooFew)
        {
            return Failed(partitionData.Index, tooFew, $"The ISR is smaller than min.insync.replicas={log.Config.MinInSyncReplicas}");
        }

        var result = log.Append(records, leaderEpoch, verificationGuard);
        if (result.Error != ErrorCode.None)
        {
            var failed = Failed(partitionData.Index, result.Error, result.ErrorMessage);
            if (result.RecordErrors is { } recordErrors)
            {
                foreach (var recordError in recordErrors)
                    failed.RecordErrors.Add(new() { BatchIndex = recordError.BatchIndex, BatchIndexErrorMessage = recordError.Message });
            }
            return failed;
        }

        if (!result.Duplicate)
        {
            appends.NotifyAppended(new TopicPartition(topic, partitionData.Index));
            metrics.BatchAppended(topic, records.Length, result.LastOffset - result.BaseOffset + 1);
        }

        replication?.OnLeaderAppended(new TopicPartition(topic, partitionData.Index), log);
        appendedTo = log;
        nextOffset = result.LastOffset + 1;

        return new ProduceResponse.PartitionProduceResponse
        {
            Index = partitionData.Index,
            BaseOffset = result.BaseOffset,
            LogAppendTimeMs = result.LogAppendTime,
            LogStartOffset = result.LogStartOffset,
        };
    }

    private static ProduceResponse.PartitionProduceResponse Failed(int partition, ErrorCode error, string? message) => new()
    {
        Index = partition,
        ErrorCode = (short)error,
        BaseOffset = -1,
        LogAppendTimeMs = -1,
        LogStartOffset = -1,
        ErrorMessage = message,
    };

    protected override ProduceResponse ErrorResponse(ProduceRequest request, ErrorCode error)
    {
        var response = new ProduceResponse();
        foreach (var topicData in request.TopicData)
        {
            var topicResponse = new ProduceResponse.TopicProduceResponse { Name = topicData.Name };
            foreach (var partitionData in topicData.PartitionData)
            {
                topicResponse.PartitionResponses.Add(Failed(partitionData.Index, error, null));
            }

            response.Responses.Add(topicResponse);
        }

        return response;
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Rejected produce to {Topic}-{Partition} from client {ClientId}: {Error} {Reason}")]
    private partial void LogInvalidBatch(string topic, int partition, string? clientId, string error, string? reason);
}
