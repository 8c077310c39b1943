namespace Fjord.Replication.Tests.Simulation;

/// <summary>How one simulated run behaves. Immutable.</summary>
public sealed record ReplicationSimulationOptions
{
    public int Replicas { get; init; } = 3;

    public int Steps { get; init; } = 400;

    /// <summary>replica.lag.time.max.ms of the simulated leader.</summary>
    public TimeSpan ReplicaLagTimeMax { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Chance per step that a live broker crashes (a leader's crash changes the leader mid-append).</summary>
    public double CrashRate { get; init; } = 0.02;

    /// <summary>Chance per step that a crashed broker comes back.</summary>
    public double RestartRate { get; init; } = 0.08;

    /// <summary>
    /// The high-watermark rule under test; <see cref="IsrRules.CandidateHighWatermark"/> unless a test plants a bug
    /// to show the invariants catch it.
    /// </summary>
    public HighWatermarkRule HighWatermarkRule { get; init; } = IsrRules.CandidateHighWatermark;
}

/// <summary>The shape of <see cref="IsrRules.CandidateHighWatermark"/>, so a test can swap in a broken rule.</summary>
public delegate long? HighWatermarkRule(int leaderId, long leaderLogEndOffset, long epochStartOffset,
    ReadOnlySpan<int> maximalIsr, IReadOnlyDictionary<int, FollowerFetchState> followers);
