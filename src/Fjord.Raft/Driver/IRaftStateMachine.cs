namespace Fjord.Raft;

/// <summary>
/// The replicated application (for Fjord: the metadata image). Called only from the driver's loop,
/// in log order; implementations need no locking against the driver.
/// </summary>
public interface IRaftStateMachine
{
    /// <summary>Applies one committed entry (including empty no-ops and membership changes).</summary>
    void Apply(in Entry entry);

    /// <summary>Replaces the whole state with a snapshot received from the leader.</summary>
    void Restore(Snapshot snapshot);

    /// <summary>Serializes the state as of the last applied entry, for log compaction.</summary>
    byte[] TakeSnapshot();
}
