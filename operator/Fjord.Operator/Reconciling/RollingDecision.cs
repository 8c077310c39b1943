namespace Fjord.Operator.Reconciling;

/// <summary>What the rolling-update state machine decided: restart one pod, wait (with why), or nothing to roll.</summary>
public sealed record RollingDecision(RollingDecisionKind Kind, int Ordinal, string Reason, int Outdated)
{
    public static RollingDecision Done { get; } = new(RollingDecisionKind.Done, -1, "AllPodsCurrent", 0);
    public static RollingDecision Wait(string reason, int outdated) => new(RollingDecisionKind.Wait, -1, reason, outdated);
    public static RollingDecision Restart(int ordinal, string reason, int outdated) => new(RollingDecisionKind.Restart, ordinal, reason, outdated);
}
