using Fjord.Protocol.Errors;

namespace Fjord.Storage.Tests;

public class LeaderEpochCacheTests
{
    [Fact]
    public void Assign_WritesKafkaTextFormat_AndReloads()
    {
        using var dir = new TempLogDir();
        Directory.CreateDirectory(dir.PartitionDir);
        string path = Path.Combine(dir.PartitionDir, LeaderEpochCache.FileName);
        var cache = new LeaderEpochCache(path);
        Assert.True(cache.Assign(0, 0));
        Assert.False(cache.Assign(0, 10));
        Assert.True(cache.Assign(3, 25));
        Assert.Equal("0\n2\n0 0\n3 25\n", File.ReadAllText(path));
        Assert.Equal([(0, 0L), (3, 25L)], new LeaderEpochCache(path).Entries);
    }

    [Fact]
    public void EndOffsetFor_FollowsKafkaSemantics()
    {
        using var dir = new TempLogDir();
        Directory.CreateDirectory(dir.PartitionDir);
        var cache = new LeaderEpochCache(Path.Combine(dir.PartitionDir, LeaderEpochCache.FileName));
        Assert.Equal((-1, -1L), cache.EndOffsetFor(0, 100));
        cache.Assign(2, 10);
        cache.Assign(4, 20);
        cache.Assign(5, 30);
        Assert.Equal((5, 42L), cache.EndOffsetFor(5, 42));   // latest epoch: the log end offset
        Assert.Equal((4, 30L), cache.EndOffsetFor(4, 42));
        Assert.Equal((2, 20L), cache.EndOffsetFor(3, 42));   // unknown epoch: the largest below it
        Assert.Equal((1, 10L), cache.EndOffsetFor(1, 42));   // older than every entry: the first epoch's start (KIP-279)
        Assert.Equal((-1, -1L), cache.EndOffsetFor(-1, 42)); // undefined
        Assert.Equal((5, 42L), cache.EndOffsetFor(9, 42));
    }

    [Fact]
    public void Truncate_FromEndAndStart_AdjustsEntries()
    {
        using var dir = new TempLogDir();
        Directory.CreateDirectory(dir.PartitionDir);
        string path = Path.Combine(dir.PartitionDir, LeaderEpochCache.FileName);
        var cache = new LeaderEpochCache(path);
        cache.Assign(1, 0);
        cache.Assign(2, 10);
        cache.Assign(3, 20);
        cache.TruncateFromEnd(20);
        Assert.Equal([(1, 0L), (2, 10L)], cache.Entries);
        cache.TruncateFromStart(15);
        Assert.Equal([(2, 15L)], cache.Entries);
        Assert.Equal([(2, 15L)], new LeaderEpochCache(path).Entries);
        // A stale entry contradicting a new assignment is replaced.
        cache.Assign(1, 30);
        Assert.Equal([(1, 30L)], cache.Entries);
    }

    [Fact]
    public void PartitionLog_AppendWithNewEpoch_AssignsAndSurvivesReopen()
    {
        using var dir = new TempLogDir();
        using (var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default))
        {
            Assert.Equal(ErrorCode.None, log.Append(TestBatches.Batch(3), 0).Error);
            Assert.Equal(ErrorCode.None, log.Append(TestBatches.Batch(2), 0).Error);
            Assert.Equal(ErrorCode.None, log.Append(TestBatches.Batch(4), 7).Error);
            Assert.Equal([(0, 0L), (7, 5L)], log.LeaderEpochs.Entries);
            Assert.Equal((0, 5L), log.LeaderEpochs.EndOffsetFor(0, log.LogEndOffset));
        }
        using var reopened = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        Assert.Equal([(0, 0L), (7, 5L)], reopened.LeaderEpochs.Entries);
        Assert.Equal(7, reopened.LeaderEpochs.LatestEpoch);
    }

    [Fact]
    public void Open_UnreadableCheckpoint_RebuildsEpochsFromTheBatches()
    {
        using var dir = new TempLogDir();
        var config = LogConfig.Default with { SegmentBytes = 1024 };
        IReadOnlyList<(int, long)> entries;
        using (var log = PartitionLog.Open(dir.PartitionDir, config))
        {
            for (int i = 0; i < 30; i++)
                Assert.Equal(ErrorCode.None, log.Append(TestBatches.Batch(2, valueSize: 50), i / 10 * 2).Error);
            entries = log.LeaderEpochs.Entries;
            Assert.True(log.SegmentCount > 2);
        }
        Assert.Equal([(0, 0L), (2, 20L), (4, 40L)], entries);
        File.WriteAllText(Path.Combine(dir.PartitionDir, LeaderEpochCache.FileName), "garbage");
        using var reopened = PartitionLog.Open(dir.PartitionDir, config, new PartitionLogOptions { HadCleanShutdown = true });
        Assert.Equal(entries, reopened.LeaderEpochs.Entries);
    }

    [Fact]
    public void Open_AfterCrashBeforeTheCheckpointWrite_AssignsTheMissingEpochFromRecoveredBatches()
    {
        using var dir = new TempLogDir();
        using (var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default))
        {
            Assert.Equal(ErrorCode.None, log.Append(TestBatches.Batch(3), 1).Error);
            Assert.Equal(ErrorCode.None, log.Append(TestBatches.Batch(2), 6).Error);
        }
        // As if the process died after writing the epoch-6 batch but before recording epoch 6.
        File.WriteAllText(Path.Combine(dir.PartitionDir, LeaderEpochCache.FileName), "0\n1\n1 0\n");
        using var reopened = PartitionLog.Open(dir.PartitionDir, LogConfig.Default, new PartitionLogOptions { HadCleanShutdown = false });
        Assert.Equal([(1, 0L), (6, 3L)], reopened.LeaderEpochs.Entries);
    }
}
