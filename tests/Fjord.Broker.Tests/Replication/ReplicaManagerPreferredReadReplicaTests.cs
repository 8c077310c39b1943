using Fjord.Broker.Replication;
using Fjord.Metadata;
using Fjord.Metadata.Records;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Records;
using Fjord.Storage;

namespace Fjord.Broker.Tests.Replication;

/// <summary>
/// Which follower a leader sends a consumer to (KIP-392, <see cref="ReplicaManager.PreferredReadReplica"/>): only with
/// the rack-aware selector, only ISR members on alive brokers in the consumer's rack, and only when their log holds
/// the fetch offset (Kafka's findPreferredReadReplica).
/// </summary>
public sealed class ReplicaManagerPreferredReadReplicaTests : IDisposable
{
    private static readonly TopicPartition Partition = ReplicaManagerTestContext.Partition;
    private readonly ReplicaManagerTestContext _context = new();
    private readonly PartitionLog _log;

    public ReplicaManagerPreferredReadReplicaTests() => _log = _context.Log;

    [Fact]
    public void PreferredReadReplica_InSyncFollowerInTheClientRack_IsChosen()
    {
        var leader = Leader(isr: [0, 1, 2]);
        FollowersFetched(leader, logEndOffset: 0);

        Assert.Equal(1, leader.PreferredReadReplica(Partition, _log, "b", fetchOffset: 0));
        Assert.Equal(2, leader.PreferredReadReplica(Partition, _log, "c", fetchOffset: 0));
    }

    [Fact]
    public void PreferredReadReplica_LeaderInTheClientRackOrNoFollowerThere_IsTheLeader()
    {
        var leader = Leader(isr: [0, 1, 2]);
        FollowersFetched(leader, logEndOffset: 0);

        Assert.Equal(-1, leader.PreferredReadReplica(Partition, _log, "a", fetchOffset: 0));
        Assert.Equal(-1, leader.PreferredReadReplica(Partition, _log, "elsewhere", fetchOffset: 0));
    }

    [Fact]
    public void PreferredReadReplica_FollowerOutsideTheIsr_IsNotChosen()
    {
        var leader = Leader(isr: [0, 1]);
        FollowersFetched(leader, logEndOffset: 0);

        Assert.Equal(-1, leader.PreferredReadReplica(Partition, _log, "c", fetchOffset: 0));
    }

    [Fact]
    public void PreferredReadReplica_FollowerOnAFencedOrShuttingDownBroker_IsNotChosen()
    {
        var fenced = Leader(isr: [0, 1, 2], fenced: 1);
        FollowersFetched(fenced, logEndOffset: 0);
        Assert.Equal(-1, fenced.PreferredReadReplica(Partition, _log, "b", fetchOffset: 0));
        Assert.Equal(2, fenced.PreferredReadReplica(Partition, _log, "c", fetchOffset: 0));

        var stopping = Leader(isr: [0, 1, 2], shuttingDown: 2);
        FollowersFetched(stopping, logEndOffset: 0);
        Assert.Equal(-1, stopping.PreferredReadReplica(Partition, _log, "c", fetchOffset: 0));
    }

    [Fact]
    public void PreferredReadReplica_FetchOffsetOutsideTheFollowersLog_IsTheLeader()
    {
        Append(10);
        var leader = Leader(isr: [0, 1, 2]);
        // Follower 1 holds [4, 6): behind the consumer at 8, and past the consumer at 2.
        leader.OnReplicaFetch(Partition, _log, replicaId: 1, fetchOffset: 6, replicaLogStartOffset: 4);

        Assert.Equal(-1, leader.PreferredReadReplica(Partition, _log, "b", fetchOffset: 8));
        Assert.Equal(-1, leader.PreferredReadReplica(Partition, _log, "b", fetchOffset: 2));
        Assert.Equal(1, leader.PreferredReadReplica(Partition, _log, "b", fetchOffset: 5));
    }

    [Fact]
    public void PreferredReadReplica_NoSelectorConfigured_IsTheLeader()
    {
        var leader = Leader(isr: [0, 1, 2], rackAware: false);
        FollowersFetched(leader, logEndOffset: 0);

        Assert.Equal(-1, leader.PreferredReadReplica(Partition, _log, "b", fetchOffset: 0));
    }

    private void FollowersFetched(ReplicaManager leader, long logEndOffset)
    {
        foreach (var follower in new[] { 1, 2 })
            Assert.True(leader.OnReplicaFetch(Partition, _log, follower, logEndOffset, replicaLogStartOffset: 0));
    }

    private void Append(int records)
    {
        for (var i = 0; i < records; i++)
        {
            using var batch = new RecordBatchBuilder(CompressionType.None);
            batch.Append(1_000, null, [1]);
            Assert.Equal(ErrorCode.None, _log.Append(batch.ToArray(), leaderEpoch: 1).Error);
        }
    }

    /// <summary>Node 0 leading replicas [0, 1, 2] on brokers in racks a, b, c.</summary>
    private ReplicaManager Leader(int[] isr, bool rackAware = true, int fenced = -1, int shuttingDown = -1)
    {
        var unlimited = new ReplicationQuotas(_context.Quota(ReplicationQuota.Unlimited), _context.Quota(ReplicationQuota.Unlimited));
        var brokers = new[] { "a", "b", "c" }.Select((rack, id) => new MetadataRecord
        {
            RegisterBroker = new RegisterBrokerRecord
            {
                BrokerId = id,
                BrokerEpoch = id + 1,
                Rack = rack,
                Fenced = id == fenced,
                InControlledShutdown = id == shuttingDown,
                IncarnationId = Uuids.ToByteString(Guid.NewGuid()),
                Endpoints = { new BrokerEndpoint { Name = "PLAINTEXT", Host = "127.0.0.1", Port = 1, SecurityProtocol = 0 } },
            },
        });
        return _context.Manager(0, unlimited, rackAware, isr, brokers);
    }

    public void Dispose() => _context.Dispose();
}
