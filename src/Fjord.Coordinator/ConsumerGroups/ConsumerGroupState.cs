namespace Fjord.Coordinator.ConsumerGroups;

/// <summary>A consumer group's state as ConsumerGroupDescribe and ListGroups name it (Kafka's ConsumerGroupState).</summary>
public enum ConsumerGroupState
{
    /// <summary>No members.</summary>
    Empty,

    /// <summary>The group epoch moved past the target assignment's epoch (a new assignment is due).</summary>
    Assigning,

    /// <summary>Some member has not reached the target assignment yet.</summary>
    Reconciling,

    /// <summary>Every member owns its target assignment.</summary>
    Stable,
}
