namespace Fjord.Operator.Reconciling;

/// <summary>The three outcomes of <see cref="RollingUpdatePlanner.Next"/>.</summary>
public enum RollingDecisionKind
{
    Done,
    Wait,
    Restart,
}
