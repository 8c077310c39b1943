namespace Fjord.Operator.Reconciling;

/// <summary>The controller's balance execution state, as admin DescribeBalance reports it.</summary>
public enum ObservedBalanceState
{
    /// <summary>No execution known and no reassignment running.</summary>
    None,
    Running,
    Completed,
    /// <summary>Some reassignments were refused; the message says which.</summary>
    Failed,
    /// <summary>Reassignments run that this controller did not start (after a controller failover).</summary>
    Unknown,
}
