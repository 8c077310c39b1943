namespace Fjord.Chaos.Workload;

/// <summary>What the history says a transaction must look like to read_committed readers.</summary>
public enum TransactionOutcome
{
    /// <summary>Commit acknowledged: wholly visible.</summary>
    Committed,

    /// <summary>Never committed: wholly invisible.</summary>
    Aborted,

    /// <summary>Commit outcome unknown: wholly visible or wholly invisible, never partly.</summary>
    Unknown,
}
