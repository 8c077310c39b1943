namespace Fjord.Metadata;

/// <summary>
/// When a node's <see cref="QuorumController"/> may act (KIP-631: the active controller is the metadata log's
/// leader). Activating needs more than leadership: the node must have applied its whole log, ending in an
/// entry of its own term (the no-op a new Raft leader appends, Raft paper §8). Before that, entries of an
/// earlier leader may still commit behind the controller's back and its view would miss them — the
/// simulator finds exactly that when the rule is dropped. Stateless; safe on any thread.
/// </summary>
public static class ControllerActivation
{
    /// <summary>True when an inactive controller should <see cref="QuorumController.Activate"/> now.</summary>
    /// <param name="isLeader">The node is the Raft leader.</param>
    /// <param name="term">Its current term.</param>
    /// <param name="lastIndex">Index of the last entry in its log.</param>
    /// <param name="lastTerm">Term of that entry.</param>
    /// <param name="appliedIndex">Last entry the metadata state machine applied.</param>
    public static bool CanActivate(bool isLeader, ulong term, ulong lastIndex, ulong lastTerm, ulong appliedIndex) =>
        isLeader && (PlantedMetadataBugs.Has(PlantedMetadataBug.ActivateBeforeCatchingUp) || (appliedIndex == lastIndex && lastTerm == term));

    /// <summary>True when an active controller must <see cref="QuorumController.Deactivate"/>: leadership lost or a new term.</summary>
    public static bool MustDeactivate(bool isLeader, ulong term, ulong activeTerm) => !isLeader || term != activeTerm;
}
