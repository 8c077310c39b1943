using Fjord.Operator.Crds;

namespace Fjord.Operator.Reconciling;

/// <summary>
/// The controller quorum: spec.controllers is carried out as KIP-853 voter changes (admin AddVoter/RemoveVoter), one
/// per reconcile, never by restarting pods. The decision of which change comes next is <see cref="VoterPlanner"/>'s.
/// </summary>
public static partial class FjordClusterReconciler
{
    /// <summary>Phases of the VoterChange operation in status.</summary>
    public const string PhaseWaitingForHealth = "WaitingForHealth";
    public const string PhaseWaitingForObserver = "WaitingForObserver";
    public const string PhaseAddingVoter = "AddingVoter";
    public const string PhaseRemovingVoter = "RemovingVoter";

    /// <summary>
    /// One voter change (KIP-853) towards spec.controllers, only on a healthy cluster that is not rolling or scaling:
    /// a voter change is a quorum change, and the brokers it needs must be up and caught up. While the voters differ
    /// from what spec.controllers asks, a VoterChange operation says what the change waits for (so Reconciling is
    /// not reported False meanwhile); null when they match or the quorum could not be described.
    /// </summary>
    private static V1Alpha1FjordOperation? PlanVoters(ObservedCluster observed, List<ReconcileAction> actions, List<RecordEvent> events)
    {
        var controllers = observed.Cluster.Spec.Controllers;
        if (observed.Health.Quorum is not { } quorum
            || quorum.Voters.Order().SequenceEqual(Enumerable.Range(0, controllers)))
        {
            return null;
        }
        var goal = $"voters [{string.Join(",", quorum.Voters.Order())}] → [{string.Join(",", Enumerable.Range(0, controllers))}]";
        V1Alpha1FjordOperation Step(string phase, List<int> brokers, string message) => new()
        {
            Type = V1Alpha1FjordOperation.TypeVoterChange,
            Phase = phase,
            Brokers = brokers,
            StartedAt = Running(observed, V1Alpha1FjordOperation.TypeVoterChange)?.StartedAt ?? observed.Now,
            Message = $"{goal}: {message}",
        };

        if (!observed.Health.Healthy || actions.Count > 0)
        {
            return Step(PhaseWaitingForHealth, [], "waiting for every partition to have a leader and a full ISR, and for other changes to finish");
        }
        if (VoterPlanner.Next(controllers, quorum, out var waiting) is not { } change)
        {
            return Step(PhaseWaitingForObserver, [], waiting ?? "waiting");
        }
        actions.Add(change);
        events.Add(VoterChangeEvent(change, controllers));
        return change.Add
            ? Step(PhaseAddingVoter, [change.NodeId], $"adding broker {change.NodeId}")
            : Step(PhaseRemovingVoter, [change.NodeId], $"removing broker {change.NodeId}");
    }

    private static RecordEvent VoterChangeEvent(ChangeVoter change, int controllers) => change.Add
        ? new RecordEvent(RecordEvent.Normal, "VoterAdded", $"broker {change.NodeId} becomes a controller quorum voter (spec.controllers {controllers})")
        : new RecordEvent(RecordEvent.Normal, "VoterRemoved", $"broker {change.NodeId} stops voting in the controller quorum (spec.controllers {controllers}); it keeps following the metadata log");
}
