using Fjord.Broker.Fetch;
using Fjord.Broker.Replication;
using Fjord.Broker.Topics;
using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Coordinator.Transactions;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Records;
using Fjord.Storage;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Groups;

/// <summary>
/// A coordinator's internal topic as its log (<see cref="IConsumerOffsetsLog"/> over <c>__consumer_offsets</c>,
/// <see cref="ITransactionStateLog"/> over <c>__transaction_state</c>): a replicated topic of the metadata image. Appends go to the local log only while the image names this node its leader, stamped with
/// the image's leader epoch, and return the wait until the ISR has them (acks=all, Kafka's
/// <c>offsets.commit.required.acks=-1</c>) bounded by <c>offsets.commit.timeout.ms</c> (transaction state: the request
/// timeout). Loading reads to the
/// log end offset: a new leader's whole log becomes committed in its epoch, and records the old leader
/// acknowledged may still sit above this node's high watermark. The topic itself is created by
/// FindCoordinator through the controller (<see cref="InternalTopicCreator"/>), never here.
/// The quorum is lazy: it needs the coordinator's publisher, which needs the coordinator, which needs this log.
/// Thread-safe: reads the immutable image; TopicRegistry, PartitionLog and the replication layer are thread-safe.
/// </summary>
public sealed class ClusterCoordinatorLog(
    string topicName, Lazy<MetadataQuorum> quorum, TopicRegistry topics, IPartitionReplication replication, PartitionAppendNotifier appends, TimeSpan commitTimeout)
    : IConsumerOffsetsLog, ITransactionStateLog
{
    public int? PartitionCount => quorum.Value.StateMachine.Image.GetTopic(topicName)?.Partitions.Count;

    /// <summary>Never creates: only FindCoordinator does, through the controller. COORDINATOR_NOT_AVAILABLE until the image has the topic.</summary>
    public ErrorCode CreateTopic(int partitions) =>
        PartitionCount is null ? ErrorCode.CoordinatorNotAvailable : ErrorCode.None;

    /// <summary>
    /// Appends as the partition's leader. A transactional batch (TxnOffsetCommit) carries its producer id and epoch in
    /// the header, so the log's producer state checks the epoch and sees the transaction as any producer's.
    /// </summary>
    public ConsumerOffsetsAppend Append(int partition, ReadOnlyMemory<byte> batch, TransactionalProducer? transaction = null)
    {
        if (transaction is { } producer && !IsBatchOf(batch.Span, producer))
        {
            throw new ArgumentException($"The batch is not a transactional batch of producer {producer.ProducerId} epoch {producer.ProducerEpoch}", nameof(batch));
        }

        var topic = quorum.Value.StateMachine.Image.GetTopic(topicName);
        if (topic is null || !topic.Partitions.TryGetValue(partition, out var registration))
        {
            return ErrorCode.UnknownTopicOrPartition;
        }

        if (registration.Leader != quorum.Value.NodeId || !topics.TryGetLog(topicName, partition, out var log))
        {
            return ErrorCode.NotLeaderOrFollower;
        }

        var tp = new TopicPartition(topicName, partition);
        var enough = replication.CheckEnoughReplicas(tp, log);
        if (enough != ErrorCode.None)
        {
            return enough;
        }

        // A TxnOffsetCommit's batch presents the guard its handler took before asking the transaction coordinator (KIP-890).
        var appended = log.Append(batch, registration.LeaderEpoch, transaction?.VerificationGuard as VerificationGuard);
        if (appended.Error != ErrorCode.None)
        {
            return appended.Error;
        }

        // Wakes the followers' long-polling fetches (as Produce does), or the commit would wait out their max wait.
        appends.NotifyAppended(tp);
        replication.OnLeaderAppended(tp, log);
        return new ConsumerOffsetsAppend(ErrorCode.None, replication.WaitForHighWatermarkAsync(tp, log, appended.LastOffset + 1, commitTimeout, CancellationToken.None));
    }

    ConsumerOffsetsAppend ITransactionStateLog.Append(int partition, ReadOnlyMemory<byte> batch) => Append(partition, batch);

    private static bool IsBatchOf(ReadOnlySpan<byte> batch, TransactionalProducer producer)
    {
        var header = RecordBatchHeader.Read(batch);
        return header.IsTransactional && header.ProducerId == producer.ProducerId && header.ProducerEpoch == producer.ProducerEpoch;
    }

    public ConsumerOffsetsChunk Read(int partition, long fromOffset, int maxBytes)
    {
        if (!topics.TryGetLog(topicName, partition, out var log))
        {
            // The publisher opens the log before the coordinator hears of the leadership; missing means it was deleted.
            return new ConsumerOffsetsChunk(ErrorCode.NotLeaderOrFollower, ReadOnlyMemory<byte>.Empty, 0);
        }

        var logEndOffset = log.LogEndOffset;
        var read = log.Read(Math.Max(fromOffset, log.LogStartOffset), maxBytes, logEndOffset, minOneBatch: true);
        return new ConsumerOffsetsChunk(read.Error, read.Records, logEndOffset, read);
    }
}
