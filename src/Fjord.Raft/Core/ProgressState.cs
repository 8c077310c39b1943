namespace Fjord.Raft;

/// <summary>How the leader is currently replicating to one follower.</summary>
public enum ProgressState : byte
{
    /// <summary>Next index unknown: one append at a time until one is accepted.</summary>
    Probe = 0,
    /// <summary>Streaming optimistically, bounded by the in-flight window.</summary>
    Replicate = 1,
    /// <summary>Sending a snapshot in chunks; appends wait until it is installed.</summary>
    Snapshot = 2,
}
