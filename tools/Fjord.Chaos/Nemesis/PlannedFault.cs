using Fjord.Chaos.Network;

namespace Fjord.Chaos.Nemesis;

/// <summary>
/// One step of the fault schedule: heal for <see cref="HealBefore"/>, then inject <see cref="Kind"/> into the
/// active controller's node (when <see cref="TargetsController"/>) or into node <see cref="Node"/>, for
/// <see cref="Duration"/>. Everything here comes from the seed, so a seed replays the same steps; only the
/// controller's identity is resolved when the step runs. Immutable.
/// </summary>
public sealed record PlannedFault(int Number, TimeSpan HealBefore, FaultKind Kind, bool TargetsController, int Node, TimeSpan Duration, PartitionScope Scope)
{
    public override string ToString() =>
        $"#{Number} {Kind}{(Kind == FaultKind.Partition ? $"({Scope})" : "")} of {(TargetsController ? $"the controller (else node {Node})" : $"node {Node}")} for {Duration.TotalSeconds:F1}s after {HealBefore.TotalSeconds:F1}s of calm";
}
