namespace Fjord.Metadata;

/// <summary>
/// Controller settings, named after the Kafka configs they mirror. Immutable; safe on any thread.
/// </summary>
public sealed record QuorumControllerOptions
{
    /// <summary><c>broker.session.timeout.ms</c>: a broker silent this long is fenced (KIP-631).</summary>
    public TimeSpan BrokerSessionTimeout { get; init; } = TimeSpan.FromMilliseconds(9000);

    /// <summary><c>num.partitions</c>: partitions of a topic created without a count.</summary>
    public int DefaultPartitions { get; init; } = 1;

    /// <summary><c>default.replication.factor</c>.</summary>
    public short DefaultReplicationFactor { get; init; } = 1;

    /// <summary><c>unclean.leader.election.enable</c> cluster default; a topic config overrides it.</summary>
    public bool UncleanLeaderElectionEnable { get; init; }

    /// <summary><c>auto.leader.rebalance.enable</c>: move leadership back to preferred replicas on tick.</summary>
    public bool AutoLeaderRebalanceEnable { get; init; } = true;

    /// <summary><c>leader.imbalance.check.interval.seconds</c>: how often the preferred-leader sweep runs.</summary>
    public TimeSpan LeaderImbalanceCheckInterval { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Producer ids per block handed to a broker (Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE).</summary>
    public int ProducerIdBlockSize { get; init; } = 1000;

    /// <summary>Most partitions one CreateTopics/CreatePartitions may create, a guard against typos.</summary>
    public int MaxPartitionsPerRequest { get; init; } = 100_000;
}
