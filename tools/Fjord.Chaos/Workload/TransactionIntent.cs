namespace Fjord.Chaos.Workload;

/// <summary>What the workload asked for at the end of a transaction.</summary>
public enum TransactionIntent
{
    /// <summary>CommitTransaction was called.</summary>
    Commit,

    /// <summary>AbortTransaction was called by choice, or the transaction was given up before any commit was asked for.</summary>
    Abort,
}
