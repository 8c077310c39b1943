namespace Fjord.Operator.Reconciling;

/// <summary>A Kubernetes Event on the FjordCluster: a decision the user should see in <c>kubectl describe</c>.</summary>
public sealed record RecordEvent(string Type, string Reason, string Message) : ReconcileAction
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";
}
