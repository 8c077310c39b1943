using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Groups;

/// <summary>
/// What a command's answer becomes when its records could not be appended: nothing it acknowledged
/// may look durable. Maps storage errors to the codes clients know from the coordinator, as Kafka's
/// GroupMetadataManager does, and rewrites the responses in place. Called on the event loop only.
/// </summary>
internal static class AppendFailures
{
    /// <summary>Kafka's mapping of a failed __consumer_offsets append to what group clients understand.</summary>
    public static ErrorCode ToCoordinatorError(ErrorCode storageError, bool offsetCommit) => storageError switch
    {
        ErrorCode.UnknownTopicOrPartition or ErrorCode.NotEnoughReplicas or ErrorCode.NotEnoughReplicasAfterAppend or ErrorCode.RequestTimedOut
            => ErrorCode.CoordinatorNotAvailable,
        ErrorCode.NotLeaderOrFollower or ErrorCode.KafkaStorageError => ErrorCode.NotCoordinator,
        ErrorCode.MessageTooLarge or ErrorCode.RecordListTooLarge or ErrorCode.InvalidFetchSize
            => offsetCommit ? ErrorCode.InvalidCommitOffsetSize : ErrorCode.UnknownServerError,
        _ => ErrorCode.UnknownServerError,
    };

    /// <summary>Errors of a transactional append that the producer must see as they are (it is fenced, or its transaction is gone).</summary>
    private static bool IsProducerError(ErrorCode error) =>
        error is ErrorCode.InvalidProducerEpoch or ErrorCode.ProducerFenced or ErrorCode.InvalidTxnState or ErrorCode.InvalidProducerIdMapping or ErrorCode.TransactionalIdAuthorizationFailed;

    /// <summary>Rewrites <paramref name="response"/> and the completions for failed partitions; returns follow-up outputs (a voided SyncGroup triggers a rebalance).</summary>
    public static List<CoordinatorOutput> Apply(GroupCoordinator core, CoordinatorOutput output, IResponseMessage? response, Dictionary<int, ErrorCode> failures)
    {
        var followUps = new List<CoordinatorOutput>();
        ErrorCode ErrorFor(string groupId, bool offsetCommit) =>
            failures.TryGetValue(core.PartitionFor(groupId), out var error) ? ToCoordinatorError(error, offsetCommit) : ErrorCode.None;

        switch (response)
        {
            case OffsetCommitResponse commit when output.Records.Count > 0:
                {
                    var error = ErrorFor(output.Records[0].GroupId, offsetCommit: true);
                    if (error != ErrorCode.None)
                    {
                        foreach (var topic in commit.Topics)
                        {
                            foreach (var partition in topic.Partitions)
                            {
                                if (partition.ErrorCode == 0)
                                {
                                    partition.ErrorCode = (short)error;
                                }
                            }
                        }
                    }

                    break;
                }

            case TxnOffsetCommitResponse txnCommit when output.Records.Count > 0:
                {
                    // A fenced producer's append (the log checks the batch's epoch) keeps the producer's error.
                    var error = failures.TryGetValue(core.PartitionFor(output.Records[0].GroupId), out var storageError) && IsProducerError(storageError)
                        ? storageError
                        : ErrorFor(output.Records[0].GroupId, offsetCommit: true);
                    if (error != ErrorCode.None)
                    {
                        foreach (var topic in txnCommit.Topics)
                        {
                            foreach (var partition in topic.Partitions)
                            {
                                if (partition.ErrorCode == 0)
                                {
                                    partition.ErrorCode = (short)error;
                                }
                            }
                        }
                    }

                    break;
                }

            case OffsetDeleteResponse delete when output.Records.Count > 0:
                {
                    var error = ErrorFor(output.Records[0].GroupId, offsetCommit: false);
                    if (error != ErrorCode.None)
                    {
                        delete.ErrorCode = (short)error;
                    }

                    break;
                }

            case DeleteGroupsResponse deleteGroups:
                foreach (var result in deleteGroups.Results)
                {
                    if (result.ErrorCode == 0 && ErrorFor(result.GroupId, offsetCommit: false) is var error && error != ErrorCode.None)
                    {
                        result.ErrorCode = (short)error;
                    }
                }

                break;

            case JoinGroupResponse join when output.Records.Count > 0:
                {
                    // A static member's replacement (KIP-345) that could not be persisted.
                    var error = ErrorFor(output.Records[0].GroupId, offsetCommit: false);
                    if (error != ErrorCode.None)
                    {
                        join.ErrorCode = (short)error;
                    }

                    break;
                }
        }

        // A leader's SyncGroup: the snapshot failed, so the assignment must not reach anyone.
        foreach (var record in output.Records)
        {
            if (record is GroupMetadataRecord { Value: { } snapshot } && ErrorFor(record.GroupId, offsetCommit: false) is var error && error != ErrorCode.None)
            {
                var voided = false;
                foreach (var completion in output.Completions)
                {
                    if (completion.Response is SyncGroupResponse sync && sync.ErrorCode == 0)
                    {
                        sync.ErrorCode = (short)error;
                        sync.Assignment = [];
                        voided = true;
                    }
                }

                if (voided)
                {
                    followUps.Add(core.OnSnapshotAppendFailed(record.GroupId, snapshot.Generation));
                }
            }
        }

        return followUps;
    }
}
