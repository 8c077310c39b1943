using Fjord.Broker.Configuration;
using Fjord.Protocol.Errors;
using Fjord.Raft;
using Fjord.Rpc.Quorum;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Fjord.Broker.Controller;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Quorum;

/// <summary>
/// Server side of <c>quorum.proto</c> on every node: the Raft leader adds a learner to the metadata quorum.
/// <para>
/// Why an explicit membership change when Kafka KRaft has none for brokers: KRaft brokers are observers
/// that pull the log with Fetch requests from the leader (found through the bootstrap voters), so the leader
/// needs neither their addresses nor a record of them. Fjord's Raft pushes appends (etcd-style), so the
/// leader must know every learner and how to dial it: the learner asks to be added, the leader proposes
/// an <c>AddLearner</c> change carrying the learner's rpc address, and every member (and any future leader)
/// learns both from the log. Like KRaft observers, learners never vote and never become controller.
/// </para>
/// Thread-safe: reads the driver's status and posts the change to its loop.
/// </summary>
public sealed partial class QuorumMembershipGrpcService(MetadataQuorum quorum, ILogger<QuorumMembershipGrpcService> logger)
    : QuorumMembershipService.QuorumMembershipServiceBase
{
    /// <summary>How long the leader waits for the change to commit before answering REQUEST_TIMED_OUT.</summary>
    private static readonly TimeSpan CommitTimeout = TimeSpan.FromSeconds(10);

    public override async Task<AddLearnerResponse> AddLearner(AddLearnerRequest request, ServerCallContext context)
    {
        if (request.NodeId < 0 || !HostPort.TryParse(request.RpcAddress, out var address))
            return Error(ErrorCode.InvalidRequest, $"node {request.NodeId} at '{request.RpcAddress}' is not a node id and host:port");
        var status = quorum.Driver.Status;
        if (status.Membership.IsVoter(ClusterVoters.RaftId(request.NodeId)))
            return Error(ErrorCode.InvalidRequest, $"node {request.NodeId} is a voter");
        if (status.Role != StateRole.Leader)
            return NotController(ClusterVoters.NodeId(status.LeaderId));

        var raftId = ClusterVoters.RaftId(request.NodeId);
        if (status.Membership.IsLearner(raftId))
        {
            return quorum.Addresses.Learners.TryGetValue(request.NodeId, out var known) && known != address
                ? Error(ErrorCode.InvalidRequest, $"learner {request.NodeId} is registered at {known}, not {address}")
                : new AddLearnerResponse { ErrorCode = (int)ErrorCode.None, LeaderId = quorum.NodeId };
        }

        var proposed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        quorum.Driver.Post(node => proposed.TrySetResult(node.ProposeConfChange(new ConfChange(ConfChangeType.AddLearner, raftId, address.ToString()))));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        deadline.CancelAfter(CommitTimeout);
        try
        {
            // False: another membership change is uncommitted, or this leader has not committed in its term yet.
            if (!await proposed.Task.WaitAsync(deadline.Token).ConfigureAwait(false))
                return Error(ErrorCode.RequestTimedOut, "the leader could not propose the change now (another membership change in flight); retry");
            MembershipLog.LearnerProposed(logger, request.NodeId, address.ToString());
            while (!quorum.Driver.Status.Membership.IsLearner(raftId))
                await Task.Delay(50, deadline.Token).ConfigureAwait(false);
            return new AddLearnerResponse { ErrorCode = (int)ErrorCode.None, LeaderId = quorum.NodeId };
        }
        catch (OperationCanceledException)
        {
            return Error(ErrorCode.RequestTimedOut, $"adding learner {request.NodeId} did not commit within {CommitTimeout.TotalSeconds} s");
        }
    }

    private AddLearnerResponse NotController(int leaderId) => new()
    {
        ErrorCode = (int)ErrorCode.NotController,
        LeaderId = leaderId,
        LeaderAddress = leaderId >= 0 && quorum.Addresses.TryGet(leaderId, out var leader) ? leader.ToString() : "",
    };

    private AddLearnerResponse Error(ErrorCode code, string message) =>
        new() { ErrorCode = (int)code, ErrorMessage = message, LeaderId = ClusterVoters.NodeId(quorum.Driver.Status.LeaderId) };

    private static partial class MembershipLog
    {
        [LoggerMessage(EventId = 6040, Level = LogLevel.Information, Message = "Proposed adding learner {NodeId} at {Address} to the metadata quorum")]
        public static partial void LearnerProposed(ILogger logger, int nodeId, string address);
    }
}
