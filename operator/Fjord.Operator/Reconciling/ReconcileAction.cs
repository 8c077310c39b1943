namespace Fjord.Operator.Reconciling;

/// <summary>One thing the host must do for a reconcile plan, in list order. Immutable.</summary>
public abstract record ReconcileAction;
