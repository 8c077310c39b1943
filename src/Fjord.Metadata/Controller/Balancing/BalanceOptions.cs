using System.Collections.Immutable;

namespace Fjord.Metadata.Balancing;

/// <summary>
/// Knobs of the balance planner. <see cref="ByteImbalanceTolerance"/> is how far (as a fraction of the mean bytes
/// per target broker) the most and least loaded brokers may differ before bytes are moved for their own sake: moving
/// data costs far more than a small skew, so a plan does not chase the last few percent. <see cref="ReplicationFactors"/>
/// names topics whose every partition gets exactly that many replicas (null or empty: no factor changes). Immutable.
/// </summary>
public sealed record BalanceOptions(
    BalanceMode Mode = BalanceMode.Full,
    double ByteImbalanceTolerance = 0.1,
    ImmutableDictionary<string, int>? ReplicationFactors = null)
{
    /// <summary>Full balance with the default tolerance.</summary>
    public static readonly BalanceOptions Default = new();
}
