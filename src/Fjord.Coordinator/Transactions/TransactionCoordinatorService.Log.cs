using Fjord.Protocol.Errors;
using Microsoft.Extensions.Logging;

namespace Fjord.Coordinator.Transactions;

public sealed partial class TransactionCoordinatorService
{
    [LoggerMessage(EventId = 4601, Level = LogLevel.Debug, Message = "Loaded __transaction_state partition {Partition}: {Records} records in {ElapsedMs:F0} ms; {Resumed} transactions resume their markers")]
    private partial void LogPartitionLoaded(int partition, long records, int resumed, double elapsedMs);

    [LoggerMessage(EventId = 4602, Level = LogLevel.Warning, Message = "Could not read __transaction_state partition {Partition} at offset {Offset} ({Error}); retrying")]
    private partial void LogLoadFailed(int partition, long offset, ErrorCode error);

    [LoggerMessage(EventId = 4603, Level = LogLevel.Warning, Message = "Appending to __transaction_state partition {Partition} failed: {Error}")]
    private partial void LogAppendFailed(int partition, ErrorCode error);

    [LoggerMessage(EventId = 4604, Level = LogLevel.Error, Message = "Transaction coordinator event failed")]
    private partial void LogEventFailed(Exception exception);

    [LoggerMessage(EventId = 4605, Level = LogLevel.Warning, Message = "__transaction_state already has {Existing} partitions; transaction.state.log.num.partitions={Configured} is ignored")]
    private partial void LogPartitionCountMismatch(int existing, int configured);

    [LoggerMessage(EventId = 4606, Level = LogLevel.Error, Message = "Could not create __transaction_state: {Error}")]
    private partial void LogTopicCreationFailed(ErrorCode error);

    [LoggerMessage(EventId = 4607, Level = LogLevel.Warning, Message = "__transaction_state partition {Partition}: a write was not committed ({Error}); its requests fail")]
    private partial void LogCommitFailed(int partition, ErrorCode error);

    [LoggerMessage(EventId = 4608, Level = LogLevel.Error, Message = "__transaction_state partition {Partition}: waiting for a write's commit failed")]
    private partial void LogCommitWaitFailed(int partition, Exception exception);

    [LoggerMessage(EventId = 4609, Level = LogLevel.Warning, Message = "Answers of a committed __transaction_state write were dropped: the coordinator stopped")]
    private partial void LogDeliveryDropped(Exception exception);

    [LoggerMessage(EventId = 4610, Level = LogLevel.Information, Message = "Loading the transactions of __transaction_state partition {Partition} (coordinator epoch {LeaderEpoch})")]
    private partial void LogLoadingPartition(int partition, int leaderEpoch);

    [LoggerMessage(EventId = 4611, Level = LogLevel.Information, Message = "Unloaded the transactions of __transaction_state partition {Partition}: this node no longer leads it")]
    private partial void LogUnloadedPartition(int partition);

    [LoggerMessage(EventId = 4612, Level = LogLevel.Warning, Message = "Writing the markers of transactional id {TransactionalId} failed; retrying")]
    private partial void LogMarkerWriteFailed(string transactionalId, Exception exception);

    [LoggerMessage(EventId = 4613, Level = LogLevel.Information, Message = "Transactional id {TransactionalId}: no marker for {Partition} ({Error}); the partition is dropped from the transaction")]
    private partial void LogMarkerPartitionDropped(string transactionalId, string partition, ErrorCode error);

    [LoggerMessage(EventId = 4614, Level = LogLevel.Information, Message = "Transactional id {TransactionalId}: marker for {Partition} refused ({Error}); a newer producer or coordinator took over, markers stop")]
    private partial void LogMarkersFenced(string transactionalId, string partition, ErrorCode error);

    [LoggerMessage(EventId = 4615, Level = LogLevel.Error, Message = "Transactional id {TransactionalId}: marker for {Partition} failed with {Error}, which cannot be retried; markers stop")]
    private partial void LogMarkerWriteFatal(string transactionalId, string partition, ErrorCode error);

    [LoggerMessage(EventId = 4616, Level = LogLevel.Debug, Message = "Transactional id {TransactionalId}: retrying the markers of {Count} partitions")]
    private partial void LogMarkerRetry(string transactionalId, int count);

    [LoggerMessage(EventId = 4617, Level = LogLevel.Information, Message = "Transactional id {TransactionalId}: markers abandoned, this node no longer coordinates it under coordinator epoch {CoordinatorEpoch}")]
    private partial void LogMarkersAbandoned(string transactionalId, int coordinatorEpoch);

    [LoggerMessage(EventId = 4618, Level = LogLevel.Warning, Message = "Transactional id {TransactionalId}: its completion could not be appended ({Error}); the partition's next coordinator completes it")]
    private partial void LogCompletionDropped(string transactionalId, ErrorCode error);

    [LoggerMessage(EventId = 4619, Level = LogLevel.Information, Message = "Transactional id {TransactionalId}: {Decision} by producer {ProducerId} epoch {ProducerEpoch} refused with INVALID_TXN_STATE; the transaction is {State} at producer {CurrentProducerId} epoch {CurrentEpoch}, last changed at {LastUpdateMs} (Unix ms)")]
    private partial void LogEndRefused(string transactionalId, string decision, long producerId, short producerEpoch, TransactionState? state, long? currentProducerId, short? currentEpoch, long? lastUpdateMs);
}
