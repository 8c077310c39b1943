using Fjord.Protocol.Errors;
using Fjord.Raft;
using Microsoft.Extensions.Logging;

namespace Fjord.Broker.Quorum;

/// <summary>
/// Runs a <see cref="VoterChange"/> on this node's Raft loop (decide and propose in one step, so no other change
/// can slip in between) and waits until the committed membership shows it. Used by the AddRaftVoter and
/// RemoveRaftVoter handlers on the leader. Thread-safe: posts to the driver and polls its status.
/// </summary>
public sealed partial class QuorumVoterChanges(MetadataQuorum quorum, ILogger<QuorumVoterChanges> logger)
{
    /// <summary>
    /// How long a proposed change may take to commit before the answer is REQUEST_TIMED_OUT; below the 10 s a
    /// forwarded request waits, so a forwarding broker hears the real answer.
    /// </summary>
    private static readonly TimeSpan CommitTimeout = TimeSpan.FromSeconds(8);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Adds (promotes) or removes (demotes) <paramref name="nodeId"/>; the error and message to answer.</summary>
    public async Task<(ErrorCode Error, string? Message)> ChangeAsync(VoterChange.Kind kind, int nodeId, CancellationToken cancel)
    {
        var decided = new TaskCompletionSource<VoterChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        quorum.Driver.Post(node =>
        {
            var change = VoterChange.Decide(kind, nodeId, node.Role, node.ConfState, node.HasPendingConfChange,
                node.CommitIndex, node.Role == StateRole.Leader ? node.MatchIndexes() : new Dictionary<ulong, ulong>());
            if (change.Proposal is { } proposal && !node.ProposeConfChange(proposal))
                change = change with { Error = ErrorCode.RequestTimedOut, Message = "the leader could not propose the change now; retry", Proposal = null };
            decided.TrySetResult(change);
        });
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(CommitTimeout);
        try
        {
            var result = await decided.Task.WaitAsync(deadline.Token).ConfigureAwait(false);
            if (result.Proposal is null) return (result.Error, result.Message);
            VoterLog.Proposed(logger, result.Proposal.Value.ToString(), nodeId);
            while (!VoterChange.IsDone(kind, nodeId, quorum.Driver.Status.Membership))
                await Task.Delay(PollInterval, deadline.Token).ConfigureAwait(false);
            VoterLog.Committed(logger, kind.ToString(), nodeId, quorum.Driver.Status.Membership.ToString());
            return (ErrorCode.None, null);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return (ErrorCode.RequestTimedOut, $"the voter change for node {nodeId} did not commit within {CommitTimeout.TotalSeconds} s; describe the quorum and retry");
        }
    }

    private static partial class VoterLog
    {
        [LoggerMessage(EventId = 6045, Level = LogLevel.Information, Message = "Proposed {Change} (node {NodeId}) to the metadata quorum")]
        public static partial void Proposed(ILogger logger, string change, int nodeId);

        [LoggerMessage(EventId = 6046, Level = LogLevel.Information, Message = "Voter change {Kind} of node {NodeId} committed: {Membership}")]
        public static partial void Committed(ILogger logger, string kind, int nodeId, string membership);
    }
}
