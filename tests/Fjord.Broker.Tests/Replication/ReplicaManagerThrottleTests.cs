using Fjord.Broker.Replication;
using Fjord.Storage;

namespace Fjord.Broker.Tests.Replication;

/// <summary>
/// Which replicas the KIP-73 throttles apply to, decided by <see cref="ReplicaManager"/> from the applied image and the
/// partition's log config: listed replicas outside the ISR only (Kafka never throttles in-sync replicas).
/// </summary>
public sealed class ReplicaManagerThrottleTests : IDisposable
{
    private static readonly TopicPartition Partition = ReplicaManagerTestContext.Partition;
    private readonly ReplicaManagerTestContext _context = new();

    private ReplicaManager Manager(int nodeId, long rate, string leaderThrottled, string followerThrottled)
    {
        _context.Log.UpdateConfig(LogConfig.Default with
        {
            LeaderReplicationThrottledReplicas = ThrottledReplicaList.Parse("l", leaderThrottled),
            FollowerReplicationThrottledReplicas = ThrottledReplicaList.Parse("f", followerThrottled),
        });
        // ISR [0, 1]: broker 2 is an adding (out-of-sync) replica.
        return _context.Manager(nodeId, new ReplicationQuotas(_context.Quota(rate), _context.Quota(rate)), rackAwareReplicaSelector: false, isr: [0, 1]);
    }

    [Fact]
    public void IsLeaderThrottled_ListedLeaderReplica_ThrottlesOnlyTheOutOfSyncFollower()
    {
        var leader = Manager(nodeId: 0, rate: 1000, leaderThrottled: "0:0", followerThrottled: "");
        var log = _context.Log;

        Assert.True(leader.IsLeaderThrottled(Partition, log, replicaId: 2));
        Assert.False(leader.IsLeaderThrottled(Partition, log, replicaId: 1));
    }

    [Fact]
    public void IsLeaderThrottled_LeaderReplicaNotListedOrNoRate_DoesNotThrottle()
    {
        var log = _context.Log;

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

    public void Dispose() => _context.Dispose();
}
