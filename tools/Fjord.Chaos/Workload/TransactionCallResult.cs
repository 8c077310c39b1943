namespace Fjord.Chaos.Workload;

/// <summary>How the commit or abort call of a transaction ended, as the client saw it.</summary>
public enum TransactionCallResult
{
    /// <summary>The call returned: the coordinator wrote the decision.</summary>
    Ok,

    /// <summary>
    /// A commit refused with an abortable error and then aborted successfully: the transaction is known aborted.
    /// For an abort: the call failed, which changes nothing (no commit was ever asked for).
    /// </summary>
    Failed,

    /// <summary>The commit call timed out or the producer turned fatal during it: the transaction may have committed or not.</summary>
    Unknown,
}
