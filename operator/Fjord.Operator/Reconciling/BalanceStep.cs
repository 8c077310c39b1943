namespace Fjord.Operator.Reconciling;

/// <summary>The next step of an operation's balance, with its progress (moves) and a message for status.</summary>
public sealed record BalanceStep(BalanceStepKind Kind, int Done, int Total, string Message);
