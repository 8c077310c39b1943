namespace Fjord.Raft.Tests.Simulation;

/// <summary>
/// One simulated server: durable storage that survives crashes, and a raft node plus state machine
/// that do not. Not thread-safe; owned by the simulation.
/// </summary>
internal sealed class SimulatedNode(ulong id, IRaftStorage storage)
{
    public ulong Id { get; } = id;
    /// <summary>In memory, or files that are closed on crash and reopened (recovered) on restart.</summary>
    public IRaftStorage Storage { get; set; } = storage;
    public RaftNode? Raft { get; set; }
    public SimulatedStateMachine StateMachine { get; set; } = new();
    public int Restarts { get; set; }
    public ulong PersistedCommit { get; set; }
    public int AppliedSinceSnapshot { get; set; }
    public int SnapshotEvery { get; set; }
    /// <summary>Shut down for good (removed from the group and decommissioned).</summary>
    public bool Retired { get; set; }
    public bool IsUp => Raft is not null;
}
