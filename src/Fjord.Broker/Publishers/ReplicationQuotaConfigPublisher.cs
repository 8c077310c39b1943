using System.Globalization;
using Fjord.Broker.Configuration;
using Fjord.Broker.Replication;
using Fjord.Metadata;
using Fjord.Broker.Controller;
using Fjord.Broker.Quorum;
using Fjord.Broker.Admin;
using Fjord.Broker.Groups;
using Fjord.Broker.Topics;
using Fjord.Broker.Hosting;

namespace Fjord.Broker.Publishers;

/// <summary>
/// Applies dynamic <c>leader.replication.throttled.rate</c> / <c>follower.replication.throttled.rate</c> (Kafka's
/// DynamicReplicationConfig): whenever this node's broker config or the cluster default changes in the image, the
/// rates are resolved with <see cref="ClusterConfigResolver"/>'s precedence (this broker, cluster default, static,
/// default) and set on <see cref="ReplicationQuotas"/>, so a throttle can be raised or lifted in the middle of a
/// reassignment without a restart. Called on the metadata log's apply loop.
/// </summary>
public sealed class ReplicationQuotaConfigPublisher(ClusterConfigResolver resolver, ReplicationQuotas quotas) : IMetadataPublisher
{
    private static readonly ConfigDefinition s_leaderRate = Definition(ReplicationQuotas.LeaderRateName);
    private static readonly ConfigDefinition s_followerRate = Definition(ReplicationQuotas.FollowerRateName);

    public void Publish(MetadataImage image, MetadataDelta? delta)
    {
        if (delta is not null && !delta.ChangedConfigs.Any(resolver.AffectsThisNode)) return;
        quotas.Leader.Bound = RateOf(image, s_leaderRate);
        quotas.Follower.Bound = RateOf(image, s_followerRate);
    }

    // The controller validated the value (a long ≥ 0) before committing it.
    private long RateOf(MetadataImage image, ConfigDefinition definition) =>
        long.Parse(resolver.ResolveBroker(image, definition).Value ?? definition.Default!, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static ConfigDefinition Definition(string name) =>
        BrokerConfigDefinitions.TryGet(name, out var definition) ? definition : throw new InvalidOperationException($"{name} is not a broker config");
}
