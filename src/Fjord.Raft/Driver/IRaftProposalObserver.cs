namespace Fjord.Raft;

/// <summary>
/// Hears how long this node's proposals took while it leads: proposed → appended to the leader's durable
/// log (fsync included), and proposed → committed and applied here. Lets the host export latency without
/// the library knowing any metrics system. Called only from the driver's loop; implementations must be
/// cheap and must not call back into the driver.
/// </summary>
public interface IRaftProposalObserver
{
    /// <summary>A proposal's entry was persisted in the leader's log.</summary>
    void ProposalAppended(TimeSpan sinceProposed);

    /// <summary>A proposal's entry committed and was applied on the leader.</summary>
    void ProposalCommitted(TimeSpan sinceProposed);
}
