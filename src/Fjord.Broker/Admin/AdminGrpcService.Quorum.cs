using Fjord.Broker.Handlers;
using Fjord.Protocol.Errors;
using Fjord.Rpc.Admin;
using Grpc.Core;
using KafkaMessages = Fjord.Protocol.Messages;

namespace Fjord.Broker.Admin;

// KIP-853 voters of the controller quorum: the Kafka requests run through this node's handlers, which forward
// them to the Raft leader.
public sealed partial class AdminGrpcService
{
    public override async Task<DescribeQuorumResponse> DescribeQuorum(DescribeQuorumRequest request, ServerCallContext context)
    {
        var kafka = new KafkaMessages.DescribeQuorumRequest
        {
            Topics = [new() { TopicName = DescribeQuorumHandler.MetadataTopic, Partitions = [new() { PartitionIndex = 0 }] }],
        };
        var response = await KafkaAsync<KafkaMessages.DescribeQuorumResponse>(kafka, 1, context).ConfigureAwait(false);
        if (response.ErrorCode != 0) return new DescribeQuorumResponse { Error = ErrorOf(response.ErrorCode, response.ErrorMessage), LeaderId = -1 };
        var partition = response.Topics[0].Partitions[0];
        var reply = new DescribeQuorumResponse
        {
            Error = ErrorOf(partition.ErrorCode, partition.ErrorMessage),
            LeaderId = partition.LeaderId,
            LeaderEpoch = partition.LeaderEpoch,
            HighWatermark = partition.HighWatermark,
        };
        reply.Voters.AddRange(partition.CurrentVoters.Select(v => Replica(v.ReplicaId, v.LogEndOffset)));
        reply.Observers.AddRange(partition.Observers.Select(o => Replica(o.ReplicaId, o.LogEndOffset)));
        return reply;
    }

    /// <summary>A replica with the rpc address this node's copy of the log gives it (the same committed entries as the leader's).</summary>
    private QuorumReplica Replica(int nodeId, long logEndOffset) => new()
    {
        NodeId = nodeId,
        LogEndOffset = logEndOffset,
        RpcAddress = quorum.Addresses.TryGet(nodeId, out var address) ? address.ToString() : "",
    };

    public override async Task<VoterChangeResponse> AddVoter(VoterChangeRequest request, ServerCallContext context)
    {
        var kafka = new KafkaMessages.AddRaftVoterRequest { ClusterId = null, TimeoutMs = 30_000, VoterId = request.NodeId };
        var response = await KafkaAsync<KafkaMessages.AddRaftVoterResponse>(kafka, 0, context).ConfigureAwait(false);
        return new VoterChangeResponse { Error = ErrorOf(response.ErrorCode, response.ErrorMessage) };
    }

    public override async Task<VoterChangeResponse> RemoveVoter(VoterChangeRequest request, ServerCallContext context)
    {
        var kafka = new KafkaMessages.RemoveRaftVoterRequest { ClusterId = null, VoterId = request.NodeId };
        var response = await KafkaAsync<KafkaMessages.RemoveRaftVoterResponse>(kafka, 0, context).ConfigureAwait(false);
        return new VoterChangeResponse { Error = ErrorOf(response.ErrorCode, response.ErrorMessage) };
    }
}
