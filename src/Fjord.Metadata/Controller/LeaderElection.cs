namespace Fjord.Metadata;

/// <summary>How a partition change picks its leader. Immutable value; safe on any thread.</summary>
public enum LeaderElection
{
    /// <summary>Keep the current leader while it is eligible and in the ISR; otherwise elect from the ISR.</summary>
    KeepIfEligible,

    /// <summary>Move to the preferred (first) replica when it is eligible and in the ISR (KIP-183).</summary>
    Preferred,

    /// <summary>Like <see cref="KeepIfEligible"/>, but with no eligible ISR member take any eligible replica (data loss).</summary>
    Unclean,
}
