using Fjord.Broker.Cluster;
using Fjord.Broker.Fetch;
using Fjord.Broker.Metrics;
using Fjord.Broker.Replication;
using Fjord.Metadata;
using Fjord.Metadata.Records;
using Fjord.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Fjord.Broker.Tests.Replication;

/// <summary>
/// Which replicas the KIP-73 throttles apply to, decided by <see cref="ReplicaManager"/> from the applied image and the
/// partition's log config: listed replicas outside the ISR only (Kafka never throttles in-sync replicas).
/// </summary>
public sealed class ReplicaManagerThrottleTests : IDisposable
{
    private static readonly Guid TopicId = Guid.NewGuid();
    private static readonly TopicPartition Partition = new("t", 0);
    private readonly FakeTimeProvider _time = new();
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fjord-throttle-" + Guid.NewGuid().ToString("N"));
    private readonly LogManager _logs;
    private readonly List<ReplicaManager> _managers = [];

    public ReplicaManagerThrottleTests() => _logs = new LogManager(_dir, LogConfig.Default);

    private ReplicaManager Manager(int nodeId, long rate, string leaderThrottled, string followerThrottled, PartitionLog? log = null)
    {
        (log ?? _logs.GetOrCreateLog(Partition)).UpdateConfig(LogConfig.Default with
        {
            LeaderReplicationThrottledReplicas = ThrottledReplicaList.Parse("l", leaderThrottled),
            FollowerReplicationThrottledReplicas = ThrottledReplicaList.Parse("f", followerThrottled),
        });
        var quotas = new ReplicationQuotas(
            new ReplicationQuota(rate, 11, TimeSpan.FromSeconds(1), _time), new ReplicationQuota(rate, 11, TimeSpan.FromSeconds(1), _time));
        var alterPartition = new AlterPartitionManager(nodeId, new Lazy<ControllerChannels>(() => throw new InvalidOperationException("no controller in this test")),
            new Lazy<ControllerHost>(() => throw new InvalidOperationException("no controller in this test")), new LocalBrokerRegistration(),
            NullLogger<AlterPartitionManager>.Instance);
        var manager = new ReplicaManager(nodeId, _logs, new PartitionAppendNotifier(), new BrokerMetrics(), alterPartition, TimeSpan.FromSeconds(30),
            quotas, _time, NullLoggerFactory.Instance);
        _managers.Add(manager);
        // Replicas [0, 1, 2], leader 0, ISR [0, 1]: broker 2 is an adding (out-of-sync) replica. No broker registrations,
        // so no fetcher connects anywhere.
        manager.Publish(MetadataImage.FromRecords(
        [
            new MetadataRecord { Topic = new TopicRecord { Name = Partition.Topic, TopicId = Uuids.ToByteString(TopicId) } },
            new MetadataRecord
            {
                Partition = new PartitionRecord
                {
                    TopicId = Uuids.ToByteString(TopicId), PartitionId = 0, Replicas = { 0, 1, 2 }, Isr = { 0, 1 }, Leader = 0, LeaderEpoch = 1, PartitionEpoch = 1,
                },
            },
        ], 1), null);
        return manager;
    }

    [Fact]
    public void IsLeaderThrottled_ListedLeaderReplica_ThrottlesOnlyTheOutOfSyncFollower()
    {
        var leader = Manager(nodeId: 0, rate: 1000, leaderThrottled: "0:0", followerThrottled: "");
        var log = _logs.GetOrCreateLog(Partition);

        Assert.True(leader.IsLeaderThrottled(Partition, log, replicaId: 2));
        Assert.False(leader.IsLeaderThrottled(Partition, log, replicaId: 1));
    }

    [Fact]
    public void IsLeaderThrottled_LeaderReplicaNotListedOrNoRate_DoesNotThrottle()
    {
        var log = _logs.GetOrCreateLog(Partition);

        Assert.False(Manager(nodeId: 0, rate: 1000, leaderThrottled: "0:1,1:0", followerThrottled: "*").IsLeaderThrottled(Partition, log, replicaId: 2));
        Assert.False(Manager(nodeId: 0, rate: ReplicationQuota.Unlimited, leaderThrottled: "*", followerThrottled: "").IsLeaderThrottled(Partition, log, replicaId: 2));
    }

    [Fact]
    public void IsFollowerThrottled_ListedReplica_ThrottlesOnlyWhileOutOfTheIsr()
    {
        var outOfSync = Manager(nodeId: 2, rate: 1000, leaderThrottled: "", followerThrottled: "0:2,0:1");
        Assert.True(outOfSync.IsFollowerThrottled(Assert.Single(outOfSync.FollowedFrom(0))));

        var inSync = Manager(nodeId: 1, rate: 1000, leaderThrottled: "", followerThrottled: "0:2,0:1");
        Assert.False(inSync.IsFollowerThrottled(Assert.Single(inSync.FollowedFrom(0))));

        var notListed = Manager(nodeId: 2, rate: 1000, leaderThrottled: "*", followerThrottled: "0:1");
        Assert.False(notListed.IsFollowerThrottled(Assert.Single(notListed.FollowedFrom(0))));
    }

    public void Dispose()
    {
        foreach (var manager in _managers) manager.Dispose();
        _logs.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
