namespace Fjord.Chaos.Nemesis;

/// <summary>The failures the nemesis injects, one broker at a time.</summary>
public enum FaultKind
{
    /// <summary>SIGKILL, down for a while, then restarted on the same data directory.</summary>
    Kill,

    /// <summary>SIGSTOP for longer than the broker session timeout, then SIGCONT.</summary>
    Pause,

    /// <summary>A network partition (see <see cref="Network.PartitionScope"/>) for longer than the session timeout, then healed.</summary>
    Partition,
}
