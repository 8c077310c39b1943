namespace Fjord.Operator.Reconciling;

/// <summary>What an operation that needs a balance does next.</summary>
public enum BalanceStepKind
{
    /// <summary>No balance of this operation runs or finished: start one.</summary>
    Execute,
    /// <summary>Another balance or leftover reassignments run (e.g. after a controller failover): look again later.</summary>
    Wait,
    /// <summary>This operation's balance runs; progress in the step.</summary>
    Running,
    /// <summary>This operation's balance finished.</summary>
    Completed,
    /// <summary>This operation's balance failed; it is retried after <see cref="BalanceProgress.RetryAfter"/>.</summary>
    Failed,
}
