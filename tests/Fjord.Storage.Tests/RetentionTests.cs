using Fjord.Protocol.Errors;

namespace Fjord.Storage.Tests;

public class RetentionTests
{
    [Fact]
    public void DeleteOldSegments_RetentionBytes_DeletesOldestClosedSegmentsAndMovesLogStart()
    {
        using var dir = new TempLogDir();
        var clock = new ManualClock(1_700_000_000_000);
        var config = LogConfig.Default with { SegmentBytes = 1024, RetentionBytes = 2048, RetentionMs = -1, FileDeleteDelayMs = 1000 };
        using var log = PartitionLog.Open(dir.PartitionDir, config, new PartitionLogOptions { TimeProvider = clock });
        for (int i = 0; i < 60; i++)
            log.Append(TestBatches.Batch(2, baseTimestamp: clock.NowMs, valueSize: 40), 0);
        int before = log.SegmentCount;

        int deleted = log.DeleteOldSegments();

        Assert.True(deleted > 0);
        Assert.Equal(before - deleted, log.SegmentCount);
        Assert.True(log.SizeInBytes < 2048 + 1024);
        Assert.Equal(log.SegmentBaseOffsets[0], log.LogStartOffset);
        using (var gone = log.Read(0, 1000))
            Assert.Equal(ErrorCode.OffsetOutOfRange, gone.Error);
        Assert.NotEmpty(Directory.GetFiles(dir.PartitionDir, "*.deleted"));
        clock.Advance(1001);
        log.RunMaintenance();
        Assert.Empty(Directory.GetFiles(dir.PartitionDir, "*.deleted"));
        Assert.Equal(log.LogStartOffset, PartitionLogTests.ReadAll(log)[0].BaseOffset);
    }

    [Fact]
    public void DeleteOldSegments_RetentionMs_DeletesSegmentsWhoseNewestRecordIsTooOld()
    {
        using var dir = new TempLogDir();
        var clock = new ManualClock(1_700_000_000_000);
        var config = LogConfig.Default with { SegmentBytes = 1024, RetentionMs = 60_000 };
        using var log = PartitionLog.Open(dir.PartitionDir, config, new PartitionLogOptions { TimeProvider = clock });
        for (int i = 0; i < 30; i++)
            log.Append(TestBatches.Batch(2, baseTimestamp: clock.NowMs - 120_000, valueSize: 40), 0);
        long oldEnd = log.LogEndOffset;
        for (int i = 0; i < 30; i++)
            log.Append(TestBatches.Batch(2, baseTimestamp: clock.NowMs, valueSize: 40), 0);

        log.DeleteOldSegments();

        Assert.InRange(log.LogStartOffset, oldEnd - 30, oldEnd);
        Assert.Equal(120, log.LogEndOffset);
    }

    [Fact]
    public void DeleteRecordsBefore_MovesLogStartOffset_AboveHighWatermarkIsOutOfRange()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default with { SegmentBytes = 1024 });
        for (int i = 0; i < 40; i++)
            log.Append(TestBatches.Batch(2, valueSize: 40), 0);

        Assert.Equal(ErrorCode.OffsetOutOfRange, log.DeleteRecordsBefore(log.HighWatermark + 1).Error);
        var (error, low) = log.DeleteRecordsBefore(33);
        Assert.Equal(ErrorCode.None, error);
        Assert.Equal(33, low);
        Assert.Equal(33, log.LogStartOffset);
        Assert.True(log.SegmentBaseOffsets[0] <= 33);
        using (var before = log.Read(32, 1000))
            Assert.Equal(ErrorCode.OffsetOutOfRange, before.Error);
        using (var at = log.Read(33, 1000))
            Assert.Equal(ErrorCode.None, at.Error);
    }
}
