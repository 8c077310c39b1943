using Fjord.Broker.Configuration;

namespace Fjord.Broker.Replication;

/// <summary>
/// The broker's two replication throttles (KIP-73): <see cref="Leader"/> bounds what this broker sends to out-of-sync
/// followers of the replicas in <c>leader.replication.throttled.replicas</c> (<c>leader.replication.throttled.rate</c>),
/// <see cref="Follower"/> what it fetches for its own out-of-sync replicas in
/// <c>follower.replication.throttled.replicas</c> (<c>follower.replication.throttled.rate</c>). One singleton per
/// broker; a dynamic broker config change sets <see cref="ReplicationQuota.Bound"/>. Thread-safe.
/// </summary>
public sealed record ReplicationQuotas(ReplicationQuota Leader, ReplicationQuota Follower)
{
    public const string LeaderRateName = "leader.replication.throttled.rate";
    public const string FollowerRateName = "follower.replication.throttled.rate";

    /// <summary>Builds both throttles from the broker config (rates, <c>replication.quota.window.num</c> and <c>.size.seconds</c>).</summary>
    public static ReplicationQuotas FromConfig(BrokerConfig config, TimeProvider time)
    {
        var samples = config.GetInt("replication.quota.window.num");
        var sampleLength = TimeSpan.FromSeconds(config.GetInt("replication.quota.window.size.seconds"));
        return new ReplicationQuotas(
            new ReplicationQuota(config.GetLong(LeaderRateName), samples, sampleLength, time),
            new ReplicationQuota(config.GetLong(FollowerRateName), samples, sampleLength, time));
    }

    /// <summary>No throttling (tests and callers without a broker config).</summary>
    public static ReplicationQuotas Unlimited(TimeProvider time) => new(
        new ReplicationQuota(ReplicationQuota.Unlimited, 11, TimeSpan.FromSeconds(1), time),
        new ReplicationQuota(ReplicationQuota.Unlimited, 11, TimeSpan.FromSeconds(1), time));
}
