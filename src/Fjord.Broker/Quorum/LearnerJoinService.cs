using Fjord.Broker.Configuration;
using Fjord.Protocol.Errors;
using Fjord.Rpc.Quorum;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Fjord.Broker.Controller;
using Fjord.Broker.Admin;
using Fjord.Broker.Publishers;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Quorum;

/// <summary>
/// On a node that is not among the voters: asks the metadata quorum's leader to add it as a Raft learner
/// (<see cref="QuorumMembershipGrpcService"/>), with its <c>rpc.advertised</c> address, until the committed
/// membership it replicates names it. It starts with the voters in turn and follows NOT_CONTROLLER hints to
/// the leader (its id and rpc address: after KIP-853 voter changes the leader may be no bootstrap voter). Runs
/// once at start on its own background task (a restarted learner that is already a member sends nothing); does
/// nothing on voters.
/// </summary>
public sealed partial class LearnerJoinService(
    MetadataQuorum quorum, ControllerChannels channels, Configuration.BrokerConfig config, ILogger<LearnerJoinService> logger) : BackgroundService
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan HintedRetryInterval = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (quorum.IsBootstrapVoter) return;
        var voters = quorum.Voters.Voters.Keys.Order().ToArray();
        var next = 0;
        // Where to ask next: a bootstrap voter in turn, or the leader another node named (with its address: a new
        // node knows only the bootstrap voters', and after KIP-853 changes the leader may be none of them).
        var target = -1;
        while (!stoppingToken.IsCancellationRequested && !quorum.IsMember)
        {
            if (target < 0) target = voters[next++ % voters.Length];
            var hint = -1;
            var channel = channels.ChannelFor(target);
            try
            {
                if (channel is null)
                {
                    JoinLog.LeaderUnreachable(logger, target);
                }
                else
                {
                    var client = new QuorumMembershipService.QuorumMembershipServiceClient(channel);
                    var reply = await client.AddLearnerAsync(
                        new AddLearnerRequest { NodeId = quorum.NodeId, RpcAddress = config.RpcAdvertised },
                        deadline: DateTime.UtcNow.AddSeconds(15), cancellationToken: stoppingToken).ConfigureAwait(false);
                    var error = (ErrorCode)reply.ErrorCode;
                    if (error == ErrorCode.None) JoinLog.Added(logger, quorum.NodeId, target);
                    else if (error == ErrorCode.NotController) hint = Hint(reply);
                    else JoinLog.Refused(logger, quorum.NodeId, target, error.ToString(), reply.ErrorMessage);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Grpc.Core.RpcException e)
            {
                JoinLog.CallFailed(logger, target, e.Status.Detail);
            }
            target = hint;
            try
            {
                // A hint is retried soon; hints can be stale while an election settles, so never spin.
                await Task.Delay(hint >= 0 ? HintedRetryInterval : RetryInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        if (quorum.IsMember) JoinLog.Member(logger, quorum.NodeId);
    }

    /// <summary>The leader a NOT_CONTROLLER answer named; its address is recorded so that this node can answer its appends too.</summary>
    private int Hint(AddLearnerResponse reply)
    {
        if (reply.LeaderId >= 0 && !quorum.Addresses.TryGet(reply.LeaderId, out _) && HostPort.TryParse(reply.LeaderAddress, out var address))
            quorum.Addresses.LeaderHinted(reply.LeaderId, address);
        return reply.LeaderId;
    }

    private static partial class JoinLog
    {
        [LoggerMessage(EventId = 6041, Level = LogLevel.Information, Message = "Node {NodeId} was added as a learner by leader {LeaderId}")]
        public static partial void Added(ILogger logger, int nodeId, int leaderId);

        [LoggerMessage(EventId = 6042, Level = LogLevel.Warning, Message = "Node {NodeId} could not join as a learner via {Target}: {Error} {Message}")]
        public static partial void Refused(ILogger logger, int nodeId, int target, string error, string message);

        [LoggerMessage(EventId = 6043, Level = LogLevel.Debug, Message = "Learner join call to node {Target} failed: {Detail}")]
        public static partial void CallFailed(ILogger logger, int target, string detail);

        [LoggerMessage(EventId = 6047, Level = LogLevel.Information, Message = "Leader {LeaderId} was named without an address this node knows; asking the bootstrap voters again")]
        public static partial void LeaderUnreachable(ILogger logger, int leaderId);

        [LoggerMessage(EventId = 6044, Level = LogLevel.Information, Message = "Node {NodeId} follows the metadata log as a learner")]
        public static partial void Member(ILogger logger, int nodeId);
    }
}
