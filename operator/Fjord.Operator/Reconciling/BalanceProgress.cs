namespace Fjord.Operator.Reconciling;

/// <summary>
/// Decides the next step of the balance an operation (scale-out, scale-in drain) needs, from DescribeBalance alone. The
/// controller keeps one execution (the current or last); it belongs to the operation when it started after the operation
/// did (the operation's start lives in status), so a restarted operator recognises its own running balance and a
/// balance from before the operation is not mistaken for it. Thread-safe (stateless).
/// </summary>
public static class BalanceProgress
{
    /// <summary>How long a failed balance stays failed before the operator starts it again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(1);

    public static BalanceStep Next(ObservedBalance? balance, DateTimeOffset operationStartedAt, DateTimeOffset now)
    {
        if (balance is null)
        {
            return new BalanceStep(BalanceStepKind.Wait, 0, 0, "waiting for the controller to describe its balance (DescribeBalance)");
        }
        var ours = balance.StartedAt is { } started && started >= operationStartedAt;
        var progress = $"{balance.CompletedMoves} of {balance.TotalMoves} partition moves done, {balance.BytesRemaining} bytes left";
        return balance.State switch
        {
            ObservedBalanceState.Running when ours => new BalanceStep(BalanceStepKind.Running, balance.CompletedMoves, balance.TotalMoves, progress),
            ObservedBalanceState.Running => new BalanceStep(BalanceStepKind.Wait, 0, 0, "waiting for a balance started earlier to finish"),
            ObservedBalanceState.Unknown => new BalanceStep(BalanceStepKind.Wait, 0, 0,
                "waiting for reassignments an earlier controller started to finish"),
            ObservedBalanceState.Completed when ours => new BalanceStep(BalanceStepKind.Completed, balance.TotalMoves, balance.TotalMoves,
                $"balance done: {balance.TotalMoves} partition moves"),
            ObservedBalanceState.Failed when ours && (balance.FinishedAt ?? now) + RetryAfter > now =>
                new BalanceStep(BalanceStepKind.Failed, balance.CompletedMoves, balance.TotalMoves, $"balance failed: {balance.Message}"),
            _ => new BalanceStep(BalanceStepKind.Execute, 0, 0, "starting a balance"),
        };
    }
}
