namespace Fjord.Metadata;

/// <summary>Kafka config names the controller reads. Constants; safe on any thread.</summary>
public static class ConfigNames
{
    /// <summary>Topic (and broker default): may an out-of-sync replica become leader when no ISR member can?</summary>
    public const string UncleanLeaderElectionEnable = "unclean.leader.election.enable";

    /// <summary>Topic (and broker default): ISR size below which acks=all produce fails.</summary>
    public const string MinInsyncReplicas = "min.insync.replicas";
}
