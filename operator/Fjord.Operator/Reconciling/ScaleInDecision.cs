namespace Fjord.Operator.Reconciling;

/// <summary>Whether a scale-in may proceed; when refused, a condition reason and a message naming what blocks it.</summary>
public sealed record ScaleInDecision(bool Allowed, string? Reason, string? Message)
{
    public static ScaleInDecision Allow { get; } = new(true, null, null);
    public static ScaleInDecision Refuse(string reason, string message) => new(false, reason, message);
}
