namespace Fjord.Coordinator.Groups;

/// <summary>
/// The states of a classic group (Kafka's GroupState), in the order a first rebalance walks them:
/// Empty → PreparingRebalance → CompletingRebalance → Stable; Dead once deleted or expired.
/// </summary>
public enum GroupState
{
    /// <summary>No members; may still hold committed offsets.</summary>
    Empty,

    /// <summary>Waiting for members to (re)join; JoinGroup responses are held back.</summary>
    PreparingRebalance,

    /// <summary>Join done; waiting for the leader's assignment in SyncGroup.</summary>
    CompletingRebalance,

    /// <summary>Everyone has an assignment; heartbeats keep members alive.</summary>
    Stable,

    /// <summary>Deleted or expired; about to be forgotten.</summary>
    Dead,
}

/// <summary>Kafka's spelling of <see cref="GroupState"/> for DescribeGroups and ListGroups.</summary>
public static class GroupStateNames
{
    public static string KafkaName(this GroupState state) => state switch
    {
        GroupState.Empty => "Empty",
        GroupState.PreparingRebalance => "PreparingRebalance",
        GroupState.CompletingRebalance => "CompletingRebalance",
        GroupState.Stable => "Stable",
        GroupState.Dead => "Dead",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };
}
