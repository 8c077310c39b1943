using Fjord.Raft;

namespace Fjord.Metadata.Tests.Simulation;

/// <summary>
/// One metadata-quorum voter: storage that survives crashes; a raft node, metadata state machine and
/// quorum controller that do not. Not thread-safe; owned by the simulation.
/// </summary>
internal sealed class SimulatedControllerNode(ulong id)
{
    public ulong Id { get; } = id;
    public MemoryRaftStorage Storage { get; } = new();
    public RaftNode? Raft { get; set; }
    public MetadataStateMachine StateMachine { get; set; } = new();
    public QuorumController? Controller { get; set; }
    /// <summary>The term the controller was activated in.</summary>
    public ulong ActiveTerm { get; set; }
    /// <summary>Responses waiting for their entry to commit: (index, deliver).</summary>
    public List<(ulong Index, Action Deliver)> Pending { get; } = [];
    public int AppliedSinceSnapshot { get; set; }
    public int Restarts { get; set; }
    public bool IsUp => Raft is not null;
}
