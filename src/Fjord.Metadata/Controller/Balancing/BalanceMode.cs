namespace Fjord.Metadata.Balancing;

/// <summary>What a balance plan aims for.</summary>
public enum BalanceMode
{
    /// <summary>
    /// Change the requested replication factors, move replicas off draining brokers, repair rack spread, then even out
    /// replicas, bytes and leaders.
    /// </summary>
    Full = 0,

    /// <summary>
    /// Only what was asked: change the requested replication factors and move replicas off draining brokers (scale-in),
    /// with as little else changing as possible.
    /// </summary>
    DrainOnly = 1,
}
