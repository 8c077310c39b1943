namespace Fjord.Coordinator.Groups;

/// <summary>Whether this node coordinates the groups of one <c>__consumer_offsets</c> partition yet.</summary>
public enum CoordinatorPartitionState
{
    /// <summary>Records are being replayed; group requests get COORDINATOR_LOAD_IN_PROGRESS.</summary>
    Loading,

    /// <summary>Loaded; this node answers for the partition's groups.</summary>
    Active,
}
