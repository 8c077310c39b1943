using Fjord.Coordinator.Transactions;
using Fjord.Metadata;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Storage;
using Microsoft.Extensions.Logging;

namespace Fjord.Broker.Transactions;

/// <summary>
/// KIP-890 part 1 on the partition leader (Kafka's AddPartitionsToTxnManager): before a transactional batch may start a
/// transaction on a partition, the leader asks the transactional id's coordinator — itself when it leads that
/// <c>__transaction_state</c> partition, else with AddPartitionsToTxn v4 verify_only — whether the partition is in the
/// producer's ongoing transaction. A produce that arrives after its transaction was aborted (a retry stuck in a network,
/// a zombie) is refused instead of opening a transaction no marker will ever close, which would hold the last stable
/// offset and every read_committed consumer forever (a hanging transaction).
/// <para>
/// For a transaction version 2 client (KIP-890 part 2: Produce v12, TxnOffsetCommit v5) the leader adds the partition
/// instead of verifying it (Kafka's <c>addPartition</c> operation): AddPartitionsToTxn v5 without verify_only, answered
/// as the client's own AddPartitionsToTxn would be.
/// </para>
/// <para>
/// Answers are mapped as Kafka maps them for Produce: the coordinator's retriable errors (NOT_COORDINATOR,
/// COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS, CONCURRENT_TRANSACTIONS, a network failure) become
/// NOT_ENOUGH_REPLICAS so the producer retries; PRODUCER_FENCED becomes INVALID_PRODUCER_EPOCH; INVALID_TXN_STATE and
/// the rest are returned as they are. Thread-safe.
/// </para>
/// </summary>
public sealed partial class TransactionVerifier(
    int nodeId, TransactionCoordinatorService coordinator, BrokerChannels channels, Func<MetadataImage> currentImage, ILogger<TransactionVerifier> logger,
    bool verifiesPartitions = true)
{
    /// <summary>
    /// <c>transaction.partition.verification.enable</c>: whether version 0-1 clients' batches are verified. Version 2
    /// clients' partitions are always added: without that, their transactions would miss partitions.
    /// </summary>
    public bool VerifiesPartitions => verifiesPartitions;

    /// <summary>Verifications (and version 2 adds) waiting for the coordinator's answer; their appends hold guards meanwhile.</summary>
    public long InFlight => Volatile.Read(ref _inFlight);

    private long _inFlight;

    private const short VerifyVersion = 4;
    private const short AddVersion = 5;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether <paramref name="partition"/> is in the ongoing transaction of <paramref name="transactionalId"/> at this
    /// producer id and epoch; with <paramref name="addToTransaction"/> (transaction version 2), the coordinator adds it first.
    /// </summary>
    public async Task<ErrorCode> VerifyAsync(string transactionalId, long producerId, short producerEpoch, TopicPartition partition, bool addToTransaction,
        CancellationToken cancellation)
    {
        var request = new AddPartitionsToTxnRequest();
        var transaction = new AddPartitionsToTxnRequest.AddPartitionsToTxnTransaction
        {
            TransactionalId = transactionalId,
            ProducerId = producerId,
            ProducerEpoch = producerEpoch,
            VerifyOnly = !addToTransaction,
        };
        transaction.Topics.Add(new AddPartitionsToTxnRequest.AddPartitionsToTxnTopic { Name = partition.Topic, Partitions = [partition.Partition] });
        request.Transactions.Add(transaction);

        var image = currentImage();
        var stateTopic = image.GetTopic(TransactionCoordinatorConfig.TopicName);
        if (stateTopic is null || !stateTopic.Partitions.TryGetValue(coordinator.PartitionFor(transactionalId), out var registration) || !registration.HasLeader)
        {
            return ErrorCode.NotEnoughReplicas;
        }

        var version = addToTransaction ? AddVersion : VerifyVersion;
        AddPartitionsToTxnResponse response;
        Interlocked.Increment(ref _inFlight);
        try
        {
            response = registration.Leader == nodeId
                ? await coordinator.AddPartitionsToTxnAsync(request, version).ConfigureAwait(false)
                : await channels.SendAsync<AddPartitionsToTxnResponse>(image, registration.Leader, request, version, s_timeout, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            LogVerifyFailed(transactionalId, partition.ToString(), registration.Leader, e.Message);
            return ErrorCode.NotEnoughReplicas;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }

        return ForProduce(ErrorOf(response, transactionalId, partition));
    }

    private static ErrorCode ErrorOf(AddPartitionsToTxnResponse response, string transactionalId, TopicPartition partition)
    {
        if (response.ErrorCode != 0) return (ErrorCode)response.ErrorCode;
        foreach (var result in response.ResultsByTransaction)
        {
            if (result.TransactionalId != transactionalId) continue;
            foreach (var topic in result.TopicResults)
            {
                if (topic.Name != partition.Topic) continue;
                foreach (var answered in topic.ResultsByPartition)
                {
                    if (answered.PartitionIndex == partition.Partition) return (ErrorCode)answered.PartitionErrorCode;
                }
            }
        }

        return ErrorCode.NotEnoughReplicas;
    }

    /// <summary>Kafka's mapping of a verification answer to a Produce error.</summary>
    private static ErrorCode ForProduce(ErrorCode error) => error switch
    {
        ErrorCode.None => ErrorCode.None,
        ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable or ErrorCode.CoordinatorLoadInProgress
            or ErrorCode.ConcurrentTransactions or ErrorCode.NetworkException or ErrorCode.RequestTimedOut => ErrorCode.NotEnoughReplicas,
        ErrorCode.ProducerFenced => ErrorCode.InvalidProducerEpoch,
        ErrorCode.ClusterAuthorizationFailed => ErrorCode.NotEnoughReplicas,
        _ when (short)error == (short)TransactionCoordinator.TransactionAbortable => ErrorCode.InvalidTxnState,
        _ => error,
    };

    [LoggerMessage(EventId = 9502, Level = LogLevel.Warning, Message = "Could not verify transactional id {TransactionalId} for {Partition} with its coordinator {BrokerId} (the producer retries): {Reason}")]
    private partial void LogVerifyFailed(string transactionalId, string partition, int brokerId, string reason);
}
