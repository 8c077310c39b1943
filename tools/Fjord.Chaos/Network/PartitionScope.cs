namespace Fjord.Chaos.Network;

/// <summary>How a network partition cuts one broker off.</summary>
public enum PartitionScope
{
    /// <summary>Blackhole routes between the victim and every other broker; clients (the harness) still reach it, so a stale leader keeps taking requests.</summary>
    FromPeers,

    /// <summary>The victim's link is down: neither peers nor clients reach it.</summary>
    Full,
}
