using Fjord.Chaos.Network;

namespace Fjord.Chaos.Nemesis;

/// <summary>
/// The seeded fault schedule: an endless sequence of <see cref="PlannedFault"/> drawn from one
/// <see cref="Random"/>, so the same seed, node count and fault kinds give the same sequence. Pauses and
/// partitions outlast the broker session timeout (so the controller fences the victim and leaders move);
/// kills keep the node down for a few seconds; a third of the faults hit the active controller. Pure; each
/// enumeration has its own generator.
/// </summary>
public static class NemesisSchedule
{
    public static IEnumerable<PlannedFault> Create(int seed, int nodes, IReadOnlyList<FaultKind> kinds, TimeSpan sessionTimeout)
    {
        if (kinds.Count == 0) throw new ArgumentException("at least one fault kind", nameof(kinds));
        var random = new Random(seed);
        for (var number = 1; ; number++)
        {
            var healBefore = TimeSpan.FromSeconds(8 + random.Next(0, 8));
            var kind = kinds[random.Next(kinds.Count)];
            var targetsController = random.Next(3) == 0;
            var node = random.Next(nodes);
            var duration = kind switch
            {
                FaultKind.Kill => TimeSpan.FromSeconds(1 + random.Next(0, 5)),
                _ => sessionTimeout + TimeSpan.FromSeconds(2 + random.Next(0, 7)),
            };
            var scope = random.Next(3) == 0 ? PartitionScope.Full : PartitionScope.FromPeers;
            yield return new PlannedFault(number, healBefore, kind, targetsController, node, duration, scope);
        }
    }

    /// <summary>
    /// The schedule with its first fault turned into a full partition of the same node after the same calm (outlasting
    /// the session timeout like every partition), so a short run where partitions are possible cannot end without one.
    /// </summary>
    public static IEnumerable<PlannedFault> PartitionFirst(IEnumerable<PlannedFault> schedule, TimeSpan sessionTimeout)
    {
        var first = true;
        foreach (var step in schedule)
        {
            yield return first && step.Kind != FaultKind.Partition ? step with { Kind = FaultKind.Partition, Scope = PartitionScope.Full, TargetsController = false, Duration = sessionTimeout + TimeSpan.FromSeconds(4) } : step;
            first = false;
        }
    }
}
