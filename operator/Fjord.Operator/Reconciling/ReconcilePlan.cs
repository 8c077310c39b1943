namespace Fjord.Operator.Reconciling;

/// <summary>
/// What one reconcile decided: actions to run in order, and when to look again. A requeue is "not yet" (a pod is
/// starting, partitions are catching up), never an error: errors are exceptions from the host's I/O.
/// </summary>
public sealed record ReconcilePlan(IReadOnlyList<ReconcileAction> Actions, TimeSpan? RequeueAfter);
