using Fjord.Coordinator.Groups;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Transactions;

/// <summary>
/// What a transaction command's answer becomes when its record could not be appended or committed: Kafka's
/// appendTransactionToLog maps the storage error to a coordinator error (COORDINATOR_NOT_AVAILABLE,
/// NOT_COORDINATOR, ...) and the client retries or looks the coordinator up again. Rewrites responses in place;
/// called on the event loop only.
/// </summary>
internal static class TransactionAppendFailures
{
    public static void Apply(IResponseMessage response, IReadOnlyList<TransactionLogRecord> records, Func<string, int> partitionFor, Dictionary<int, ErrorCode> failures)
    {
        ErrorCode ErrorFor(string transactionalId) =>
            failures.TryGetValue(partitionFor(transactionalId), out var storageError) ? AppendFailures.ToCoordinatorError(storageError, offsetCommit: false) : ErrorCode.None;

        var failed = new Dictionary<string, ErrorCode>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            if (ErrorFor(record.TransactionalId) is var error && error != ErrorCode.None)
            {
                failed[record.TransactionalId] = error;
            }
        }

        if (failed.Count == 0)
        {
            return;
        }

        var first = failed.Values.First();
        switch (response)
        {
            case InitProducerIdResponse init:
                (init.ErrorCode, init.ProducerId, init.ProducerEpoch) = ((short)first, -1, -1);
                break;
            case EndTxnResponse end:
                (end.ErrorCode, end.ProducerId, end.ProducerEpoch) = ((short)first, -1, -1);
                break;
            case AddOffsetsToTxnResponse offsets:
                offsets.ErrorCode = (short)first;
                break;
            case AddPartitionsToTxnResponse add:
                SetAll(add.ResultsByTopicV3AndBelow, first);
                foreach (var transaction in add.ResultsByTransaction)
                {
                    if (failed.TryGetValue(transaction.TransactionalId, out var error))
                    {
                        SetAll(transaction.TopicResults, error);
                    }
                }

                break;
        }
    }

    private static void SetAll(List<AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult> topics, ErrorCode error)
    {
        foreach (var topic in topics)
        {
            foreach (var partition in topic.ResultsByPartition)
            {
                partition.PartitionErrorCode = (short)error;
            }
        }
    }
}
