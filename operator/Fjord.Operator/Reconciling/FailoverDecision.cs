namespace Fjord.Operator.Reconciling;

/// <summary>The failover step to take now; <paramref name="Ordinal"/> is the broker to restart (-1 otherwise).</summary>
public sealed record FailoverDecision(FailoverDecisionKind Kind, int Ordinal, string Reason, string Message)
{
    public static FailoverDecision None { get; } = new(FailoverDecisionKind.None, -1, "", "");
}
