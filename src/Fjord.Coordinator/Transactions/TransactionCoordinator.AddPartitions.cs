using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Transactions;

public sealed partial class TransactionCoordinator
{
    /// <summary>
    /// AddPartitionsToTxn. v0-3: a producer adds partitions to its one transaction, every partition gets the
    /// same error. v4+ (KIP-890 part 1, sent by brokers): a batch of transactions; one with verify_only asks
    /// whether its partitions are already in the ongoing transaction (NONE per partition that is,
    /// TRANSACTION_ABORTABLE per one that is not), the others add as v0-3 does. Errors as Kafka:
    /// INVALID_REQUEST (empty id), NOT_COORDINATOR/COORDINATOR_LOAD_IN_PROGRESS, INVALID_PRODUCER_ID_MAPPING
    /// (unknown id or other producer id), PRODUCER_FENCED (other epoch), CONCURRENT_TRANSACTIONS (PrepareCommit/
    /// PrepareAbort). Adding to an Empty/Complete* transaction starts a new one (Ongoing, start time now).
    /// A v4+ add without verify_only comes from a leader serving a transaction version 2 client (Produce v12,
    /// TxnOffsetCommit v5, KIP-890 part 2): the transaction is marked version 2, as Kafka's KafkaApis does.
    /// Topic existence and authorisation are the handler's checks, before this.
    /// </summary>
    public TransactionCoordinatorResult<AddPartitionsToTxnResponse> AddPartitionsToTxn(AddPartitionsToTxnRequest request, short version)
    {
        List<TransactionLogRecord>? records = null;
        var response = new AddPartitionsToTxnResponse();
        if (version <= 3)
        {
            var partitions = Flatten(request.V3AndBelowTopics);
            var error = AddPartitions(request.V3AndBelowTransactionalId, request.V3AndBelowProducerId, request.V3AndBelowProducerEpoch, partitions, clientTransactionVersion: null, ref records);
            response.ResultsByTopicV3AndBelow = TopicResults(partitions, _ => error);
            return new(response, records);
        }

        foreach (var transaction in request.Transactions)
        {
            var partitions = Flatten(transaction.Topics);
            List<AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult> results;
            if (transaction.VerifyOnly)
            {
                var verified = VerifyPartitions(transaction.TransactionalId, transaction.ProducerId, transaction.ProducerEpoch, partitions);
                results = TopicResults(partitions, verified);
            }
            else
            {
                var error = AddPartitions(transaction.TransactionalId, transaction.ProducerId, transaction.ProducerEpoch, partitions, ImplicitAddTransactionVersion, ref records);
                results = TopicResults(partitions, _ => error);
            }

            response.ResultsByTransaction.Add(new AddPartitionsToTxnResponse.AddPartitionsToTxnResult { TransactionalId = transaction.TransactionalId, TopicResults = results });
        }

        return new(response, records);
    }

    /// <summary>
    /// AddOffsetsToTxn (v0-4): adds the group's <c>__consumer_offsets</c> partition to the transaction, so that
    /// TxnOffsetCommit's offsets become visible with the commit marker. Errors as AddPartitionsToTxn.
    /// </summary>
    public TransactionCoordinatorResult<AddOffsetsToTxnResponse> AddOffsetsToTxn(AddOffsetsToTxnRequest request)
    {
        List<TransactionLogRecord>? records = null;
        var offsetsPartition = new TransactionPartition(
            ConsumerOffsetsPartitioner.TopicName,
            ConsumerOffsetsPartitioner.PartitionFor(request.GroupId, _config.OffsetsTopicNumPartitions));
        var error = AddPartitions(request.TransactionalId, request.ProducerId, request.ProducerEpoch, [offsetsPartition], clientTransactionVersion: null, ref records);
        return new(new AddOffsetsToTxnResponse { ErrorCode = (short)error }, records);
    }

    /// <summary>The transaction version of a broker's implicit add (KIP-890 part 2): only a version 2 client's request makes one.</summary>
    private const short ImplicitAddTransactionVersion = 2;

    /// <summary>
    /// Kafka's handleAddPartitionsToTransaction; appends the record to <paramref name="records"/> when the transaction
    /// changes. <paramref name="clientTransactionVersion"/>, when given, is stored on the transaction (null keeps it).
    /// </summary>
    private ErrorCode AddPartitions(string transactionalId, long producerId, short producerEpoch, SortedSet<TransactionPartition> partitions,
        short? clientTransactionVersion, ref List<TransactionLogRecord>? records)
    {
        if (string.IsNullOrEmpty(transactionalId))
        {
            return ErrorCode.InvalidRequest;
        }

        if (records?.Exists(r => r.TransactionalId == transactionalId) == true)
        {
            // The id's earlier entry in this batch is not replayed yet: Kafka's pending transition answers the same.
            return ErrorCode.ConcurrentTransactions;
        }

        var error = ValidateProducer(transactionalId, producerId, producerEpoch, out var current);
        if (error != ErrorCode.None)
        {
            return error;
        }

        var transactionVersion = clientTransactionVersion ?? current.ClientTransactionVersion;
        if (current.State == TransactionState.Ongoing && partitions.IsSubsetOf(current.Partitions) && transactionVersion == current.ClientTransactionVersion)
        {
            return ErrorCode.None;
        }

        var now = Now;
        var union = new SortedSet<TransactionPartition>(current.Partitions);
        union.UnionWith(partitions);
        var next = current with
        {
            State = TransactionState.Ongoing,
            Partitions = union.ToList(),
            StartTimestampMs = current.State == TransactionState.Ongoing ? current.StartTimestampMs : now,
            LastUpdateTimestampMs = now,
            ClientTransactionVersion = transactionVersion,
        };
        (records ??= []).Add(new(transactionalId, next));
        return ErrorCode.None;
    }

    /// <summary>Kafka's handleVerifyPartitionsInTransaction (KIP-890 part 1): is each partition in the ongoing transaction?</summary>
    private Func<TransactionPartition, ErrorCode> VerifyPartitions(string transactionalId, long producerId, short producerEpoch, SortedSet<TransactionPartition> partitions)
    {
        if (string.IsNullOrEmpty(transactionalId))
        {
            return _ => ErrorCode.InvalidRequest;
        }

        var error = ValidateProducer(transactionalId, producerId, producerEpoch, out var current);
        if (error != ErrorCode.None)
        {
            return _ => error;
        }

        var included = new HashSet<TransactionPartition>(current.Partitions);
        return partition => included.Contains(partition) ? ErrorCode.None : TransactionAbortable;
    }

    /// <summary>The checks AddPartitionsToTxn, its verification and AddOffsetsToTxn share, in Kafka's order.</summary>
    private ErrorCode ValidateProducer(string transactionalId, long producerId, short producerEpoch, out TransactionLogValue current)
    {
        current = null!;
        var error = Lookup(transactionalId, out _, out var value);
        if (error != ErrorCode.None)
        {
            return error;
        }

        if (value is null || value.ProducerId != producerId)
        {
            return ErrorCode.InvalidProducerIdMapping;
        }

        if (value.ProducerEpoch != producerEpoch)
        {
            return ErrorCode.ProducerFenced;
        }

        if (TransactionStates.IsPrepare(value.State))
        {
            return ErrorCode.ConcurrentTransactions;
        }

        current = value;
        return ErrorCode.None;
    }

    private static SortedSet<TransactionPartition> Flatten(List<AddPartitionsToTxnRequest.AddPartitionsToTxnTopic> topics)
    {
        var partitions = new SortedSet<TransactionPartition>();
        foreach (var topic in topics)
        {
            foreach (var partition in topic.Partitions)
            {
                partitions.Add(new TransactionPartition(topic.Name, partition));
            }
        }

        return partitions;
    }

    private static List<AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult> TopicResults(SortedSet<TransactionPartition> partitions, Func<TransactionPartition, ErrorCode> errorFor)
    {
        var results = new List<AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult>();
        foreach (var partition in partitions)
        {
            if (results.Count == 0 || results[^1].Name != partition.Topic)
            {
                results.Add(new AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult { Name = partition.Topic });
            }

            results[^1].ResultsByPartition.Add(new AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult
            {
                PartitionIndex = partition.Partition,
                PartitionErrorCode = (short)errorFor(partition),
            });
        }

        return results;
    }
}
