namespace Fjord.Operator.Reconciling;

/// <summary>
/// The current (or last) built-in balance execution on the active controller (admin DescribeBalance).
/// <paramref name="StartedAt"/> and <paramref name="FinishedAt"/> are null when the controller knows no execution or it still runs.
/// </summary>
public sealed record ObservedBalance(
    ObservedBalanceState State,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    int TotalMoves,
    int CompletedMoves,
    long BytesRemaining,
    string Message);
