using Fjord.Broker.Controller;
using Fjord.Broker.Network;
using Fjord.Broker.Quorum;
using Fjord.Protocol;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Broker.Handlers;

/// <summary>
/// DescribeQuorum, versions 0-2 (<c>kafka-metadata-quorum describe --status/--replication</c>): the metadata quorum,
/// answered by the Raft leader, which alone knows how far each member has replicated; another node forwards the request
/// there (KIP-590, as a Kafka broker forwards it to the active controller, KIP-919), and answers
/// NOT_LEADER_OR_FOLLOWER for the partition when no leader is reachable.
/// - One topic, <c>__cluster_metadata</c>, partition 0. LeaderEpoch is the Raft term; HighWatermark is the commit
///   index and each replica's LogEndOffset its match index (the leader's: its last index), both Raft log indexes.
/// - CurrentVoters are the voters, Observers the learners. LastFetchTimestamp and LastCaughtUpTimestamp are -1
///   ("unknown" in Kafka's schema): Fjord's Raft does not time follower fetches.
/// - v2 Nodes: each voter's Raft (rpc) endpoint under the listener name CONTROLLER; ReplicaDirectoryId is zero
///   (no KIP-853 directory ids).
/// Thread-safe: reads the driver's status and asks the Raft loop for the match indexes.
/// </summary>
public sealed class DescribeQuorumHandler(MetadataQuorum quorum, ControllerForwarder forwarder) : ApiHandler<DescribeQuorumRequest, DescribeQuorumResponse>
{
    public const string MetadataTopic = "__cluster_metadata";

    private const string ControllerListener = "CONTROLLER";

    public override ApiKey ApiKey => ApiKey.DescribeQuorum;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    protected override async ValueTask<IResponseMessage?> HandleTypedAsync(RequestContext context, DescribeQuorumRequest request)
    {
        var status = quorum.Driver.Status;
        if (status.Role != Raft.StateRole.Leader)
            return await forwarder.ForwardAsync<DescribeQuorumResponse>(context, request).ConfigureAwait(false)
                ?? PartitionError(request, ErrorCode.NotLeaderOrFollower, $"Node {quorum.NodeId} is not the metadata quorum leader");

        var matched = new TaskCompletionSource<IReadOnlyDictionary<ulong, ulong>>(TaskCreationOptions.RunContinuationsAsynchronously);
        quorum.Driver.Post(node => matched.TrySetResult(node.MatchIndexes()));
        var matchIndexes = await matched.Task.WaitAsync(TimeSpan.FromSeconds(5), context.ConnectionClosed).ConfigureAwait(false);

        var partition = new DescribeQuorumResponse.PartitionData
        {
            PartitionIndex = 0,
            LeaderId = ClusterVoters.NodeId(status.LeaderId),
            LeaderEpoch = (int)status.Term,
            HighWatermark = (long)status.CommitIndex,
            ErrorMessage = null,
        };
        foreach (var voter in status.Membership.Voters)
            partition.CurrentVoters.Add(Replica(voter, matchIndexes));
        foreach (var learner in status.Membership.Learners)
            partition.Observers.Add(Replica(learner, matchIndexes));

        var response = new DescribeQuorumResponse { ErrorMessage = null };
        response.Topics.Add(new() { TopicName = MetadataTopic, Partitions = [partition] });
        if (context.ApiVersion >= 2)
        {
            foreach (var voter in status.Membership.Voters)
            {
                var nodeId = ClusterVoters.NodeId(voter);
                var node = new DescribeQuorumResponse.Node { NodeId = nodeId };
                if (quorum.Addresses.TryGet(nodeId, out var address))
                    node.Listeners.Add(new() { Name = ControllerListener, Host = address.Host, Port = (ushort)address.Port });
                response.Nodes.Add(node);
            }
        }
        return response;
    }

    private static DescribeQuorumResponse.ReplicaState Replica(ulong raftId, IReadOnlyDictionary<ulong, ulong> matchIndexes) => new()
    {
        ReplicaId = ClusterVoters.NodeId(raftId),
        LogEndOffset = matchIndexes.TryGetValue(raftId, out var match) ? (long)match : -1,
        LastFetchTimestamp = -1,
        LastCaughtUpTimestamp = -1,
    };

    private static DescribeQuorumResponse PartitionError(DescribeQuorumRequest request, ErrorCode error, string message)
    {
        var response = new DescribeQuorumResponse { ErrorMessage = null };
        foreach (var topic in request.Topics)
        {
            var data = new DescribeQuorumResponse.TopicData { TopicName = topic.TopicName };
            foreach (var p in topic.Partitions)
                data.Partitions.Add(new() { PartitionIndex = p.PartitionIndex, ErrorCode = (short)error, ErrorMessage = message, LeaderId = -1, LeaderEpoch = -1, HighWatermark = -1 });
            response.Topics.Add(data);
        }
        return response;
    }

    protected override DescribeQuorumResponse ErrorResponse(DescribeQuorumRequest request, ErrorCode error) =>
        new() { ErrorCode = (short)error, ErrorMessage = null };
}
