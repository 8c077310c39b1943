namespace Fjord.Operator.Reconciling;

/// <summary>
/// Continuous balancing's trigger: a broker whose replicas or bytes differ from the mean by more than the threshold
/// percent. Replica counts are whole numbers, so a difference of one replica never counts (5 brokers sharing 9 replicas
/// cannot do better); bytes count only once the mean passes <see cref="MinimumMeanBytes"/>, so an almost empty cluster is
/// not shuffled over kilobytes. Thread-safe (stateless).
/// </summary>
public static class ImbalanceJudge
{
    public const long MinimumMeanBytes = 64L * 1024 * 1024;

    /// <summary>What is out of balance, or null when nothing passes the threshold or the planner proposes no move.</summary>
    public static string? Exceeds(ProposedBalance proposal, int thresholdPercent)
    {
        if (proposal.Moves == 0 || proposal.Before.Count < 2)
        {
            return null;
        }
        var fraction = thresholdPercent / 100.0;
        var meanReplicas = proposal.Before.Average(b => (double)b.Replicas);
        var meanBytes = proposal.Before.Average(b => (double)b.Bytes);
        var replicas = proposal.Before.MaxBy(b => Math.Abs(b.Replicas - meanReplicas))!;
        if (Math.Abs(replicas.Replicas - meanReplicas) > Math.Max(1, meanReplicas * fraction))
        {
            return $"broker {replicas.BrokerId} holds {replicas.Replicas} replicas, the mean is {meanReplicas:F1}";
        }
        var bytes = proposal.Before.MaxBy(b => Math.Abs(b.Bytes - meanBytes))!;
        if (meanBytes >= MinimumMeanBytes && Math.Abs(bytes.Bytes - meanBytes) > meanBytes * fraction)
        {
            return $"broker {bytes.BrokerId} holds {bytes.Bytes} bytes, the mean is {meanBytes:F0}";
        }
        return null;
    }
}
