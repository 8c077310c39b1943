namespace Fjord.Metadata.Balancing;

/// <summary>
/// A registered broker as the balance planner sees it: its rack (null: a rack of its own), whether it may receive
/// replicas (unfenced, not shutting down) and whether it is being drained (every replica moves off it). Immutable.
/// </summary>
public sealed record BalanceBroker(int Id, string? Rack, bool Usable = true, bool Draining = false)
{
    /// <summary>May the planner place replicas here, and does it count towards the balance?</summary>
    public bool IsTarget => Usable && !Draining;

    /// <summary>The rack key: brokers without a rack each count as a rack of their own (as <see cref="ReplicaPlacer"/> does).</summary>
    public string RackKey => Rack ?? RackKeyOf(Id);

    /// <summary>The rack key of a replica on a broker the planner does not know (unregistered).</summary>
    public static string RackKeyOf(int brokerId) => "\0" + brokerId.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
