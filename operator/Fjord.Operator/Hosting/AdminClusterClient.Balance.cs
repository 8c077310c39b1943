using Fjord.Operator.Reconciling;
using Fjord.Rpc.Admin;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Fjord.Operator.Hosting;

/// <summary>
/// The built-in balancer (admin ProposeBalance / ExecuteBalance / DescribeBalance). ExecuteBalance and DescribeBalance
/// run on the active controller's node; any broker forwards them there once, and NOT_CONTROLLER (a failover under way)
/// fails the reconcile, which the work queue retries.
/// </summary>
public sealed partial class AdminClusterClient
{
    /// <summary>
    /// Starts a balance. REASSIGNMENT_IN_PROGRESS means one already runs (e.g. this operator started it before a
    /// restart): not an error, the next reconcile follows it through DescribeBalance. A drain is first proposed and
    /// refused when some replica could not leave the draining brokers, so a drain never starts half-possible.
    /// </summary>
    public Task ExecuteBalanceAsync(IReadOnlyDictionary<int, string> brokers, ExecuteBalance balance, CancellationToken cancel)
    {
        var request = new BalanceRequest { DrainOnly = balance.DrainOnly, ThrottleBytesPerSecond = balance.ThrottleBytesPerSecond };
        request.DrainBrokers.Add(balance.DrainBrokers);
        return OnAnyBrokerAsync(brokers, "ExecuteBalance", async (client, deadline) =>
        {
            if (balance.DrainBrokers.Count > 0)
            {
                var proposed = await client.ProposeBalanceAsync(request, deadline: deadline, cancellationToken: cancel);
                if (proposed.Error is { Code: not 0 })
                {
                    return proposed.Error;
                }
                if (proposed.Proposal.Unplaceable.Count > 0)
                {
                    var stuck = proposed.Proposal.Unplaceable.Take(5).Select(u => $"{u.Topic}-{u.Partition} on broker {u.BrokerId}");
                    throw new InvalidOperationException(
                        $"drain of brokers {string.Join(",", balance.DrainBrokers)} refused: no other broker can take {string.Join(", ", stuck)}");
                }
            }
            var executed = await client.ExecuteBalanceAsync(request, deadline: deadline, cancellationToken: cancel);
            if (executed.Error is { Code: ReassignmentInProgress })
            {
                LogBalanceAlreadyRunning(_logger, executed.Error.Message);
                return null;
            }
            if (executed.Error is null or { Code: 0 })
            {
                LogBalanceStarted(_logger, executed.BalanceId, executed.Proposal?.Moves.Count ?? 0, executed.Proposal?.BytesToMove ?? 0);
            }
            return executed.Error;
        });
    }

    /// <summary>The controller's current or last balance execution; null when it could not be asked.</summary>
    private async Task<ObservedBalance?> DescribeBalanceAsync(AdminService.AdminServiceClient client, int brokerId, string address, CancellationToken cancel)
    {
        try
        {
            var described = await client.DescribeBalanceAsync(new DescribeBalanceRequest(), deadline: Deadline(), cancellationToken: cancel);
            if (described.Error is { Code: not 0 })
            {
                return null;
            }
            return new ObservedBalance(
                described.State switch
                {
                    BalanceState.Running => ObservedBalanceState.Running,
                    BalanceState.Completed => ObservedBalanceState.Completed,
                    BalanceState.Failed => ObservedBalanceState.Failed,
                    BalanceState.Unknown => ObservedBalanceState.Unknown,
                    _ => ObservedBalanceState.None,
                },
                described.StartedUnixMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(described.StartedUnixMs) : null,
                described.FinishedUnixMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(described.FinishedUnixMs) : null,
                described.TotalMoves,
                described.CompletedMoves,
                described.BytesRemaining,
                described.Message);
        }
        catch (RpcException e)
        {
            LogUnanswered(_logger, brokerId, address, e.StatusCode.ToString(), e.Status.Detail);
            return null;
        }
    }

    /// <summary>The balance the controller would run now; null when it could not be planned.</summary>
    private async Task<ProposedBalance?> ProposeBalanceAsync(AdminService.AdminServiceClient client, int brokerId, string address, CancellationToken cancel)
    {
        try
        {
            var proposed = await client.ProposeBalanceAsync(new BalanceRequest(), deadline: Deadline(), cancellationToken: cancel);
            return proposed.Error is { Code: not 0 } || proposed.Proposal is null
                ? null
                : new ProposedBalance(proposed.Proposal.Before.Select(b => new BrokerLoad(b.BrokerId, b.Replicas, b.Bytes)).ToList(),
                    proposed.Proposal.Moves.Count);
        }
        catch (RpcException e)
        {
            LogUnanswered(_logger, brokerId, address, e.StatusCode.ToString(), e.Status.Detail);
            return null;
        }
    }

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "balance {BalanceId} started: {Moves} partition moves, {Bytes} bytes")]
    private static partial void LogBalanceStarted(ILogger logger, string balanceId, int moves, long bytes);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "a balance already runs: {Detail}")]
    private static partial void LogBalanceAlreadyRunning(ILogger logger, string detail);
}
