using System.Buffers;
using Fjord.Broker.Replication;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;
using Fjord.Protocol.Records;
using Fjord.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fjord.Broker.Tests.Replication;

/// <summary>
/// The follower path of <see cref="ReplicaFetcher"/> driven by hand-made fetch answers: node 1 holds a former
/// leader's log (offsets 0-4, epoch 1) whose suffix 3-4 the new leader (epoch 2) replaced. A DivergingEpoch answer
/// must cut the suffix before the leader's batches are appended, leaving the follower byte-identical to the leader;
/// with truncation skipped on purpose (<see cref="ReplicaFetcher.PlantAppendWithoutTruncating"/>) it must not be.
/// </summary>
public sealed class ReplicaFetcherTruncationTests : IDisposable
{
    private readonly ReplicaManagerTestContext _context = new();
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fjord-fetcher-truncation-" + Guid.NewGuid().ToString("N"));
    private readonly LogManager _leaderLogs;

    public ReplicaFetcherTruncationTests() => _leaderLogs = new LogManager(_dir, LogConfig.Default);

    [Fact]
    public void DivergingEpochThenTheLeadersRecords_TruncatesTheOldSuffix_AndEndsIdenticalToTheLeader()
    {
        var (follower, leader) = Replicate(plantAppendWithoutTruncating: false);

        Assert.Equal(leader.LogEndOffset, follower.LogEndOffset);
        Assert.Equal(AllBytes(leader), AllBytes(follower));
    }

    [Fact]
    public void PlantedBug_AppendWithoutTruncating_IsCaughtAsADivergedFollower()
    {
        var (follower, leader) = Replicate(plantAppendWithoutTruncating: true);

        Assert.NotEqual(AllBytes(leader), AllBytes(follower));
    }

    private (PartitionLog Follower, PartitionLog Leader) Replicate(bool plantAppendWithoutTruncating)
    {
        var oldLeader = _leaderLogs.GetOrCreateLog(new TopicPartition("old", 0));
        var newLeader = _leaderLogs.GetOrCreateLog(new TopicPartition("new", 0));
        for (var i = 0; i < 5; i++) AppendOne(oldLeader, leaderEpoch: 1, value: (byte)i);
        using (var prefix = oldLeader.Read(0, int.MaxValue, maxOffsetExclusive: 3))
            Assert.Equal(ErrorCode.None, newLeader.AppendAsFollower(new ReadOnlySequence<byte>(prefix.Records)).Error);
        for (var i = 3; i < 5; i++) AppendOne(newLeader, leaderEpoch: 2, value: (byte)(100 + i));
        var follower = _context.Log;
        using (var all = oldLeader.Read(0, int.MaxValue))
            Assert.Equal(ErrorCode.None, follower.AppendAsFollower(new ReadOnlySequence<byte>(all.Records)).Error);
        // Node 1 follows broker 0 for t-0 once the image says so (the manager only replicates logs that exist).
        var unlimited = new ReplicationQuotas(_context.Quota(ReplicationQuota.Unlimited), _context.Quota(ReplicationQuota.Unlimited));
        var manager = _context.Manager(1, unlimited, rackAwareReplicaSelector: false, isr: [0, 1, 2]);

        var state = Assert.Single(manager.FollowedFrom(0));
        var fetcher = new ReplicaFetcher(manager, 0, _context.Time, NullLogger<ReplicaFetcher>.Instance) { PlantAppendWithoutTruncating = plantAppendWithoutTruncating };
        // The leader's first answer: our epoch 1 ends at 3 on its log.
        fetcher.Process([state], null, Answer(data => data.DivergingEpoch = new FetchResponse.EpochEndOffset { Epoch = 1, EndOffset = 3 }));
        // The next fetch asks from our log end offset; the leader sends what it has from there.
        using (var tail = newLeader.Read(follower.LogEndOffset, int.MaxValue))
            fetcher.Process([state], null, Answer(data => data.Records = new ReadOnlySequence<byte>(tail.Records.ToArray())));
        return (follower, newLeader);
    }

    private static FetchResponse Answer(Action<FetchResponse.PartitionData> fill)
    {
        var data = new FetchResponse.PartitionData { PartitionIndex = 0, HighWatermark = 3 };
        fill(data);
        var response = new FetchResponse();
        response.Responses.Add(new FetchResponse.FetchableTopicResponse { Topic = ReplicaManagerTestContext.Partition.Topic, Partitions = [data] });
        return response;
    }

    private static void AppendOne(PartitionLog log, int leaderEpoch, byte value)
    {
        using var batch = new RecordBatchBuilder(CompressionType.None);
        batch.Append(1_000, null, [value]);
        Assert.Equal(ErrorCode.None, log.Append(batch.ToArray(), leaderEpoch).Error);
    }

    private static byte[] AllBytes(PartitionLog log)
    {
        using var read = log.Read(0, int.MaxValue);
        return read.Records.ToArray();
    }

    public void Dispose()
    {
        _leaderLogs.Dispose();
        _context.Dispose();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }
}
