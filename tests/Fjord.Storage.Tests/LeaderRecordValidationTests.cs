using Fjord.Protocol.Errors;

namespace Fjord.Storage.Tests;

/// <summary>Kafka 4's record-level topic configs as the log applies them: keys on compacted topics, KIP-937 timestamp bounds, KIP-354's roll, preallocate.</summary>
public sealed class LeaderRecordValidationTests
{
    private const long Now = 1_700_000_000_000;

    [Fact]
    public void Append_KeylessRecordsOnACompactedLog_AreRefusedWithOneRecordErrorEach()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default with { CleanupPolicy = CleanupPolicy.Compact });
        var result = log.Append(CompactionTests.KeyedBatch([("a", "1"), (null, "2"), ("b", "3"), (null, "4")], 1000), 0);
        Assert.Equal(ErrorCode.InvalidRecord, result.Error);
        Assert.Equal([1, 3], result.RecordErrors!.Select(e => e.BatchIndex));
        Assert.Equal(0, log.LogEndOffset);
        Assert.Equal(ErrorCode.None, log.Append(CompactionTests.KeyedBatch([("a", "1")], 1000), 0).Error);
    }

    [Fact]
    public void Append_TimestampsOutsideTheBounds_AreInvalidTimestampWithKafkasRange()
    {
        using var dir = new TempLogDir();
        var clock = new ManualClock(Now);
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default with { MessageTimestampBeforeMaxMs = 1000, MessageTimestampAfterMaxMs = 500 },
            new PartitionLogOptions { TimeProvider = clock });
        var result = log.Append(TestBatches.Batch(3, baseTimestamp: Now - 1500, timestampStep: 1001), 0);
        Assert.Equal(ErrorCode.InvalidTimestamp, result.Error);
        Assert.Equal("One or more records have been rejected due to invalid timestamp", result.ErrorMessage);
        Assert.Equal([0, 2], result.RecordErrors!.Select(e => e.BatchIndex));
        Assert.Equal($"Timestamp {Now - 1500} of message with offset 0 is out of range. The timestamp should be within [{Now - 1000}, {Now + 500}]", result.RecordErrors![0].Message);
        Assert.Equal(ErrorCode.None, log.Append(TestBatches.Batch(2, baseTimestamp: Now - 1000, timestampStep: 1500), 0).Error);
    }

    [Fact]
    public void Append_LogAppendTimeTopic_IgnoresTheTimestampBounds()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default with { MessageTimestampType = MessageTimestampType.LogAppendTime, MessageTimestampBeforeMaxMs = 0, MessageTimestampAfterMaxMs = 0 },
            new PartitionLogOptions { TimeProvider = new ManualClock(Now) });
        Assert.Equal(ErrorCode.None, log.Append(TestBatches.Batch(2, baseTimestamp: 5), 0).Error);
    }

    [Fact]
    public void Append_CompactedLogOlderThanMaxCompactionLag_RollsItsActiveSegment()
    {
        using var dir = new TempLogDir();
        var clock = new ManualClock(Now);
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default with { CleanupPolicy = CleanupPolicy.Compact, MaxCompactionLagMs = 60_000 },
            new PartitionLogOptions { TimeProvider = clock });
        log.Append(CompactionTests.KeyedBatch([("a", "1")], Now), 0);
        clock.Advance(59_999);
        log.Append(CompactionTests.KeyedBatch([("a", "2")], clock.NowMs), 0);
        Assert.Equal(1, log.SegmentCount);
        clock.Advance(1);
        log.Append(CompactionTests.KeyedBatch([("a", "3")], clock.NowMs), 0);
        Assert.Equal(2, log.SegmentCount);
    }

    [Fact]
    public void Append_DeleteLogOlderThanMaxCompactionLag_KeepsSegmentMs()
    {
        using var dir = new TempLogDir();
        var clock = new ManualClock(Now);
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default with { MaxCompactionLagMs = 60_000 }, new PartitionLogOptions { TimeProvider = clock });
        log.Append(TestBatches.Batch(1, baseTimestamp: Now), 0);
        clock.Advance(120_000);
        log.Append(TestBatches.Batch(1, baseTimestamp: clock.NowMs), 0);
        Assert.Equal(1, log.SegmentCount);
    }

    [Fact]
    public void Roll_WithPreallocate_ReservesSegmentBytesWithoutGrowingTheFile()
    {
        using var dir = new TempLogDir();
        const int segmentBytes = 4 * 1024 * 1024;
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default with { Preallocate = true, SegmentBytes = segmentBytes, MaxMessageBytes = segmentBytes });
        var batch = TestBatches.Batch(1, valueSize: 3 * 1024 * 1024);
        log.Append(batch, 0);
        log.Append(batch, 0); // does not fit: rolls a preallocated segment
        Assert.Equal(2, log.SegmentCount);
        var newest = Directory.GetFiles(dir.PartitionDir, "*.log").Order(StringComparer.Ordinal).Last();
        Assert.Equal(batch.Length, new FileInfo(newest).Length);
        var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%b %B", newest]) { RedirectStandardOutput = true })!;
        var fields = stat.StandardOutput.ReadToEnd().Trim().Split(' ');
        stat.WaitForExit();
        var allocated = long.Parse(fields[0]) * long.Parse(fields[1]);
        Console.WriteLine($"preallocated segment: length {batch.Length}, allocated {allocated} bytes");
        Assert.True(allocated >= segmentBytes, $"{allocated} bytes allocated, expected at least segment.bytes {segmentBytes}");
    }

    [Fact]
    public void Append_WithSegmentJitter_RollsEachSegmentBetweenSegmentMsLessTheJitterAndSegmentMs()
    {
        using var dir = new TempLogDir();
        var clock = new ManualClock(Now);
        const long segmentMs = 100_000, jitterMs = 40_000, step = 500;
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default with { SegmentMs = segmentMs, SegmentJitterMs = jitterMs },
            new PartitionLogOptions { TimeProvider = clock, Random = new Random(42) });
        var rolledAfter = new List<long>();
        for (var segment = 0; segment < 5; segment++)
        {
            var count = log.SegmentCount;
            log.Append(TestBatches.Batch(1, baseTimestamp: clock.NowMs), 0);
            var created = clock.NowMs;
            while (log.SegmentCount == count)
            {
                clock.Advance(step);
                log.Append(TestBatches.Batch(1, baseTimestamp: clock.NowMs), 0);
                Assert.True(clock.NowMs - created <= segmentMs, "the segment outlived segment.ms");
            }
            rolledAfter.Add(clock.NowMs - created);
        }
        Console.WriteLine($"segments rolled after {string.Join(", ", rolledAfter)} ms (segment.ms {segmentMs}, segment.jitter.ms {jitterMs})");
        Assert.All(rolledAfter, age => Assert.InRange(age, segmentMs - jitterMs, segmentMs));
        Assert.True(rolledAfter.Distinct().Count() > 1, "every segment drew the same jitter");
    }
}
