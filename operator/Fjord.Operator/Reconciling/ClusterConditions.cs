using Fjord.Operator.Crds;

namespace Fjord.Operator.Reconciling;

/// <summary>
/// The FjordCluster's condition types and reasons (predefined, like cloudnative-pg's), and the merge that keeps a
/// condition's lastTransitionTime while its status does not change. Thread-safe (stateless).
/// </summary>
public static class ClusterConditions
{
    public const string Ready = "Ready";
    public const string Reconciling = "Reconciling";
    public const string Degraded = "Degraded";

    public const string ReasonAllBrokersReady = "AllBrokersReady";
    public const string ReasonBrokersNotReady = "BrokersNotReady";
    public const string ReasonClusterUnreachable = "ClusterUnreachable";
    public const string ReasonCreating = "Creating";
    public const string ReasonApplyingChanges = "ApplyingChanges";
    public const string ReasonRollingUpdate = "RollingUpdate";
    public const string ReasonScalingOut = "ScalingOut";
    public const string ReasonScalingIn = "ScalingIn";
    public const string ReasonRebalancing = "Rebalancing";
    public const string ReasonChangingVoters = "ChangingVoters";
    public const string ReasonWaitingForBrokers = "WaitingForBrokers";
    public const string ReasonReconciled = "Reconciled";
    public const string ReasonHealthy = "Healthy";
    public const string ReasonNoController = "NoController";
    public const string ReasonUnderReplicated = "UnderReplicatedPartitions";
    public const string ReasonOfflinePartitions = "OfflinePartitions";

    public static V1Alpha1FjordCondition Make(string type, bool? status, string reason, string message, long? generation) => new()
    {
        Type = type,
        Status = status switch { true => "True", false => "False", null => "Unknown" },
        Reason = reason,
        Message = message,
        ObservedGeneration = generation,
    };

    /// <summary>The new conditions, each with the previous lastTransitionTime when its status is unchanged, else <paramref name="now"/>.</summary>
    public static List<V1Alpha1FjordCondition> Merge(IReadOnlyList<V1Alpha1FjordCondition>? previous,
        IEnumerable<V1Alpha1FjordCondition> next, DateTimeOffset now) =>
        next.Select(c =>
        {
            var old = previous?.FirstOrDefault(p => p.Type == c.Type);
            return c with { LastTransitionTime = old is not null && old.Status == c.Status ? old.LastTransitionTime : now };
        }).ToList();

    public static V1Alpha1FjordCondition? Find(IReadOnlyList<V1Alpha1FjordCondition>? conditions, string type) =>
        conditions?.FirstOrDefault(c => c.Type == type);
}
