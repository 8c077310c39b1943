using Fjord.Coordinator.Groups;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Transactions;

public sealed partial class TransactionCoordinator
{
    /// <summary>
    /// DescribeTransactions (v0) for the ids this node coordinates: INVALID_REQUEST for an empty id,
    /// NOT_COORDINATOR/COORDINATOR_LOAD_IN_PROGRESS, TRANSACTIONAL_ID_NOT_FOUND for an unknown one, else the
    /// state, producer id and epoch, timeout, start time and partitions (grouped by topic).
    /// </summary>
    public DescribeTransactionsResponse DescribeTransactions(IReadOnlyList<string> transactionalIds)
    {
        var response = new DescribeTransactionsResponse();
        foreach (var transactionalId in transactionalIds)
        {
            var state = new DescribeTransactionsResponse.TransactionStateData { TransactionalId = transactionalId };
            response.TransactionStates.Add(state);
            TransactionLogValue? current = null;
            var error = string.IsNullOrEmpty(transactionalId) ? ErrorCode.InvalidRequest : Lookup(transactionalId, out _, out current);
            if (error == ErrorCode.None && current is null)
            {
                error = ErrorCode.TransactionalIdNotFound;
            }

            state.ErrorCode = (short)error;
            if (current is null)
            {
                continue;
            }

            state.TransactionState = TransactionStates.Name(current.State);
            state.TransactionTimeoutMs = current.TransactionTimeoutMs;
            state.TransactionStartTimeMs = current.StartTimestampMs;
            state.ProducerId = current.ProducerId;
            state.ProducerEpoch = current.ProducerEpoch;
            foreach (var partition in current.Partitions)
            {
                if (state.Topics.Count == 0 || state.Topics[^1].Topic != partition.Topic)
                {
                    state.Topics.Add(new DescribeTransactionsResponse.TopicData { Topic = partition.Topic });
                }

                state.Topics[^1].Partitions.Add(partition.Partition);
            }
        }

        return response;
    }

    /// <summary>
    /// ListTransactions (v0-1) over the ids this node coordinates: COORDINATOR_LOAD_IN_PROGRESS while any partition
    /// loads; state filters by Kafka's names (unknown names are echoed back in unknown_state_filters), producer id
    /// filters, and v1's duration filter (only transactions running longer than it).
    /// </summary>
    public ListTransactionsResponse ListTransactions(ListTransactionsRequest request)
    {
        var response = new ListTransactionsResponse();
        foreach (var (_, entry) in _partitions)
        {
            if (entry.State == CoordinatorPartitionState.Loading)
            {
                response.ErrorCode = (short)ErrorCode.CoordinatorLoadInProgress;
                return response;
            }
        }

        var states = new HashSet<TransactionState>();
        foreach (var name in request.StateFilters)
        {
            if (TransactionStates.FromName(name) is { } state)
            {
                states.Add(state);
            }
            else
            {
                response.UnknownStateFilters.Add(name);
            }
        }

        var producerIds = new HashSet<long>(request.ProducerIdFilters);
        var now = Now;
        foreach (var (transactionalId, value) in _transactions.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if ((request.StateFilters.Count > 0 && !states.Contains(value.State))
                || (producerIds.Count > 0 && !producerIds.Contains(value.ProducerId))
                || (request.DurationFilter >= 0 && now - value.StartTimestampMs <= request.DurationFilter))
            {
                continue;
            }

            response.TransactionStates.Add(new ListTransactionsResponse.TransactionStateData
            {
                TransactionalId = transactionalId,
                ProducerId = value.ProducerId,
                TransactionState = TransactionStates.Name(value.State),
            });
        }

        return response;
    }
}
