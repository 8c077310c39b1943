using Fjord.Protocol.Errors;
using Fjord.Protocol.Records;

namespace Fjord.Storage.Tests;

public class PartitionLogTests
{
    private static LogConfig Small => LogConfig.Default with { SegmentBytes = 4096, IndexIntervalBytes = 256 };

    [Fact]
    public void Append_ThenRead_ReturnsBatchesVerbatimWithAssignedOffsets()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        byte[] batch = TestBatches.Batch(3);

        var result = log.Append(batch, leaderEpoch: 7);

        Assert.Equal(ErrorCode.None, result.Error);
        Assert.Equal(0, result.BaseOffset);
        Assert.Equal(2, result.LastOffset);
        Assert.Equal(-1, result.LogAppendTime);
        Assert.Equal(3, log.LogEndOffset);
        Assert.Equal(3, log.HighWatermark);
        using var read = log.Read(0, 1 << 20);
        Assert.Equal(ErrorCode.None, read.Error);
        var expected = (byte[])batch.Clone();
        RecordBatchHeader.SetPartitionLeaderEpoch(expected, 7);
        Assert.Equal(expected, read.Records.ToArray());
        Assert.Equal(RecordBatchHeader.ReadCrc(batch), RecordBatchHeader.ComputeCrc(read.Records.Span));
    }

    [Fact]
    public void Append_ManyBatchesAcrossAppends_AssignsContiguousOffsets()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, Small);
        long expectedNext = 0;
        for (int i = 0; i < 50; i++)
        {
            int n1 = 1 + (i % 4), n2 = 1 + (i % 3);
            var result = log.Append(TestBatches.Concat(TestBatches.Batch(n1), TestBatches.Batch(n2)), 0);
            Assert.Equal(ErrorCode.None, result.Error);
            Assert.Equal(expectedNext, result.BaseOffset);
            expectedNext += n1 + n2;
            Assert.Equal(expectedNext - 1, result.LastOffset);
        }
        Assert.True(log.SegmentCount > 1, "small segment.bytes should have rolled");

        long next = 0;
        while (next < log.LogEndOffset)
        {
            using var read = log.Read(next, 1000);
            Assert.Equal(ErrorCode.None, read.Error);
            var headers = TestBatches.Headers(read.Records.Span);
            Assert.NotEmpty(headers);
            foreach (var h in headers)
            {
                Assert.Equal(next, h.BaseOffset);
                next = h.NextOffset;
            }
        }
        Assert.Equal(expectedNext, next);
    }

    [Fact]
    public void Read_FromMiddleOfBatch_StartsAtBatchContainingOffset()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        log.Append(TestBatches.Batch(5), 0);
        log.Append(TestBatches.Batch(5), 0);
        using var read = log.Read(7, 1 << 20);
        var headers = TestBatches.Headers(read.Records.Span);
        Assert.Single(headers);
        Assert.Equal(5, headers[0].BaseOffset);
    }

    [Fact]
    public void Read_WithSmallMaxBytes_ReturnsWholeBatchesOnlyAndFirstBatchWhenMinOneBatch()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        byte[] batch = TestBatches.Batch(4, valueSize: 100);
        for (int i = 0; i < 5; i++)
            log.Append(batch, 0);

        using (var two = log.Read(0, batch.Length * 2 + 10))
            Assert.Equal(2, TestBatches.Headers(two.Records.Span).Count);
        using (var one = log.Read(0, 10, minOneBatch: true))
            Assert.Single(TestBatches.Headers(one.Records.Span));
        using (var none = log.Read(0, 10, minOneBatch: false))
        {
            Assert.Equal(ErrorCode.None, none.Error);
            Assert.True(none.Records.IsEmpty);
        }
    }

    [Fact]
    public void Read_RespectsMaxOffsetExclusive()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        for (int i = 0; i < 4; i++)
            log.Append(TestBatches.Batch(2), 0);
        using var read = log.Read(0, 1 << 20, maxOffsetExclusive: 4);
        var headers = TestBatches.Headers(read.Records.Span);
        Assert.Equal(2, headers.Count);
        Assert.Equal(3, headers[^1].LastOffset);
    }

    [Fact]
    public void Read_OutsideLogRange_IsOffsetOutOfRange_AtEndIsEmpty()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        log.Append(TestBatches.Batch(3), 0);
        using (var past = log.Read(4, 1000))
            Assert.Equal(ErrorCode.OffsetOutOfRange, past.Error);
        using (var negative = log.Read(-1, 1000))
            Assert.Equal(ErrorCode.OffsetOutOfRange, negative.Error);
        using (var atEnd = log.Read(3, 1000))
        {
            Assert.Equal(ErrorCode.None, atEnd.Error);
            Assert.True(atEnd.Records.IsEmpty);
            Assert.Equal(3, atEnd.LogEndOffset);
        }
    }

    [Fact]
    public void Reopen_AfterDispose_KeepsEverything()
    {
        using var dir = new TempLogDir();
        var appended = new List<byte[]>();
        using (var log = PartitionLog.Open(dir.PartitionDir, Small))
        {
            for (int i = 0; i < 40; i++)
            {
                var batch = TestBatches.Batch(1 + i % 5, baseTimestamp: 1000 + i * 10);
                log.Append(batch, 3);
                appended.Add(batch);
            }
        }
        using var reopened = PartitionLog.Open(dir.PartitionDir, Small);
        Assert.Equal(appended.Sum(b => RecordBatchHeader.Read(b).RecordCount), reopened.LogEndOffset);
        var all = ReadAll(reopened);
        Assert.Equal(appended.Count, all.Count);
        var next = reopened.Append(TestBatches.Batch(1), 3);
        Assert.Equal(reopened.LogEndOffset - 1, next.BaseOffset);
    }

    [Fact]
    public void Append_LogAppendTimeTopic_StampsBrokerTimeAndKeepsCrcValid()
    {
        using var dir = new TempLogDir();
        var clock = new ManualClock(1_700_000_000_000);
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default with { MessageTimestampType = MessageTimestampType.LogAppendTime },
            new PartitionLogOptions { TimeProvider = clock });
        var result = log.Append(TestBatches.Batch(2), 0);
        Assert.Equal(1_700_000_000_000, result.LogAppendTime);
        using var read = log.Read(0, 1000);
        var h = RecordBatchHeader.Read(read.Records.Span);
        Assert.Equal(TimestampType.LogAppendTime, h.TimestampType);
        Assert.Equal(1_700_000_000_000, h.MaxTimestamp);
        Assert.Equal(h.Crc, RecordBatchHeader.ComputeCrc(read.Records.Span));
    }

    [Fact]
    public void Append_BatchLargerThanMaxMessageBytes_IsMessageTooLarge()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default with { MaxMessageBytes = 100 });
        var result = log.Append(TestBatches.Batch(5, valueSize: 50), 0);
        Assert.Equal(ErrorCode.MessageTooLarge, result.Error);
        Assert.Equal(0, log.LogEndOffset);
    }

    [Fact]
    public void FindOffsetByTimestamp_ReturnsFirstRecordAtOrAfterTimestamp()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, Small with { SegmentBytes = 1024 });
        // Batches of 3 records with timestamps base, base+10, base+20; bases 1000, 2000, ...
        for (int i = 0; i < 30; i++)
            log.Append(TestBatches.Batch(3, baseTimestamp: 1000 * (i + 1), timestampStep: 10), 0);

        Assert.Equal((0L, 1000L), log.FindOffsetByTimestamp(0));
        Assert.Equal((0L, 1000L), log.FindOffsetByTimestamp(1000));
        Assert.Equal((1L, 1010L), log.FindOffsetByTimestamp(1005));
        Assert.Equal((3L, 2000L), log.FindOffsetByTimestamp(1021));
        Assert.Equal((3 * 17 + 2L, 18020L), log.FindOffsetByTimestamp(18015));
        Assert.Null(log.FindOffsetByTimestamp(30021));
        Assert.True(log.SegmentCount > 1);
    }

    [Theory]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public void FindOffsetByTimestamp_InACompressedBatch_FindsTheExactRecord(CompressionType codec)
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, Small);
        using var builder = new RecordBatchBuilder(codec);
        for (int i = 0; i < 10; i++)
            builder.Append(5_000 + 100 * i, null, new byte[] { (byte)i });
        Assert.Equal(ErrorCode.None, log.Append(builder.ToArray(), 0).Error);

        Assert.Equal((4L, 5_400L), log.FindOffsetByTimestamp(5_350));
        Assert.Equal((0L, 5_000L), log.FindOffsetByTimestamp(1));
        Assert.Null(log.FindOffsetByTimestamp(6_000));
    }

    [Fact]
    public void FindOffsetByTimestamp_AfterCleanReopen_UsesPersistedTimeIndex()
    {
        using var dir = new TempLogDir();
        using (var log = PartitionLog.Open(dir.PartitionDir, Small with { SegmentBytes = 1024 }))
        {
            for (int i = 0; i < 30; i++)
                log.Append(TestBatches.Batch(3, baseTimestamp: 1000 * (i + 1), timestampStep: 10), 0);
        }
        using var reopened = PartitionLog.Open(dir.PartitionDir, Small with { SegmentBytes = 1024 }, new PartitionLogOptions { HadCleanShutdown = true });
        Assert.Equal((3 * 17 + 2L, 18020L), reopened.FindOffsetByTimestamp(18015));
        Assert.Equal((3 * 29 + 2L, 30020L), reopened.FindOffsetByTimestamp(30020));
        Assert.Equal(90, reopened.LogEndOffset);
    }

    [Fact]
    public async Task ConcurrentAppendsAndReads_ReadersOnlySeeWholeContiguousBatches()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, Small);
        const int Writers = 3, PerWriter = 200;
        using var cts = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            while (!cts.IsCancellationRequested)
            {
                long next = 0;
                long leo = log.LogEndOffset;
                while (next < leo)
                {
                    using var read = log.Read(next, 2000);
                    Assert.Equal(ErrorCode.None, read.Error);
                    var span = read.Records.Span;
                    Assert.False(span.IsEmpty);
                    while (span.Length > 0)
                    {
                        var h = RecordBatchHeader.Read(span);
                        Assert.Equal(next, h.BaseOffset);
                        Assert.Equal(h.Crc, RecordBatchHeader.ComputeCrc(span[..h.TotalSize]));
                        next = h.NextOffset;
                        span = span[h.TotalSize..];
                    }
                }
            }
        });
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
        {
            for (int i = 0; i < PerWriter; i++)
                Assert.Equal(ErrorCode.None, log.Append(TestBatches.Batch(1 + (i % 3), valueSize: 20 + w), 0).Error);
        })).ToArray();
        await Task.WhenAll(writers);
        cts.Cancel();
        await reader;
        Assert.Equal(Writers * Enumerable.Range(0, PerWriter).Sum(i => 1 + i % 3), log.LogEndOffset);
    }

    internal static List<RecordBatchHeader> ReadAll(PartitionLog log)
    {
        var all = new List<RecordBatchHeader>();
        long next = log.LogStartOffset;
        while (next < log.LogEndOffset)
        {
            using var read = log.Read(next, 1 << 20);
            Assert.Equal(ErrorCode.None, read.Error);
            var headers = TestBatches.Headers(read.Records.Span);
            Assert.NotEmpty(headers);
            all.AddRange(headers);
            next = headers[^1].NextOffset;
        }
        return all;
    }
}
