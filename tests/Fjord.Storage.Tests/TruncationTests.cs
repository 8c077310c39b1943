using Fjord.Protocol.Errors;
using Fjord.Protocol.Records;

namespace Fjord.Storage.Tests;

public class TruncationTests
{
    private static readonly LogConfig Config = LogConfig.Default with { SegmentBytes = 2048, IndexIntervalBytes = 128 };
    private const long ProducerId = 42;

    // 40 batches over several segments: epoch 0 for the first 15, epoch 3 for the next 15, epoch 5 after.
    // Every batch belongs to one idempotent producer, so producer state has something to rebuild.
    private static List<long> Fill(PartitionLog log, int batches = 40)
    {
        var bases = new List<long>();
        int sequence = 0;
        for (int i = 0; i < batches; i++)
        {
            int records = 1 + (i % 3);
            var batch = TestBatches.Batch(records, baseTimestamp: 10_000 + i * 100, producerId: ProducerId, producerEpoch: 0, baseSequence: sequence, valueSize: 40);
            var result = log.Append(batch, i < 15 ? 0 : i < 30 ? 3 : 5);
            Assert.Equal(ErrorCode.None, result.Error);
            bases.Add(result.BaseOffset);
            sequence += records;
        }
        return bases;
    }

    private static byte[] ReadBytes(PartitionLog log, long from, long to)
    {
        var bytes = new List<byte>();
        long next = from;
        while (next < to)
        {
            using var read = log.Read(next, 1 << 20, to);
            Assert.Equal(ErrorCode.None, read.Error);
            var headers = TestBatches.Headers(read.Records.Span);
            Assert.NotEmpty(headers);
            bytes.AddRange(read.Records.ToArray());
            next = headers[^1].NextOffset;
        }
        return [.. bytes];
    }

    private static int NextSequenceAt(List<long> bases, long offset)
    {
        int sequence = 0;
        for (int i = 0; i < bases.Count && bases[i] < offset; i++)
            sequence += 1 + (i % 3);
        return sequence;
    }

    [Fact]
    public void TruncateTo_BatchBoundary_RemovesSuffixSegmentsEpochsAndProducerState()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, Config, new PartitionLogOptions { AdvanceHighWatermarkOnAppend = true });
        var bases = Fill(log);
        Assert.True(log.SegmentCount > 3);
        long target = bases[20];
        byte[] kept = ReadBytes(log, 0, target);
        long leoBefore = log.LogEndOffset;

        Assert.Equal(ErrorCode.None, log.TruncateTo(target));

        Assert.Equal(target, log.LogEndOffset);
        Assert.Equal(target, log.HighWatermark);
        Assert.True(log.RecoveryPoint <= target);
        Assert.All(log.SegmentBaseOffsets, b => Assert.True(b <= target));
        Assert.Equal(kept, ReadBytes(log, 0, target));
        Assert.Equal(ErrorCode.OffsetOutOfRange, log.Read(target + 1, 1000).Error);
        Assert.Equal([(0, 0L), (3, bases[15])], log.LeaderEpochs.Entries);
        Assert.Equal((3, target), log.LeaderEpochs.EndOffsetFor(5, log.LogEndOffset));
        Assert.True(leoBefore > target);

        // Producer state is rebuilt to the new end: the next sequence is the one after the last kept batch.
        var stale = log.Append(TestBatches.Batch(1, producerId: ProducerId, producerEpoch: 0, baseSequence: NextSequenceAt(bases, leoBefore)), 7);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, stale.Error);
        var next = log.Append(TestBatches.Batch(1, producerId: ProducerId, producerEpoch: 0, baseSequence: NextSequenceAt(bases, target)), 7);
        Assert.Equal(ErrorCode.None, next.Error);
        Assert.Equal(target, next.BaseOffset);
        Assert.Equal([(0, 0L), (3, bases[15]), (7, target)], log.LeaderEpochs.Entries);
    }

    [Fact]
    public void TruncateTo_AtOrAfterLogEnd_ChangesNothing()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, Config);
        Fill(log, 10);
        long leo = log.LogEndOffset;
        var files = Directory.GetFiles(dir.PartitionDir).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(ErrorCode.None, log.TruncateTo(leo));
        Assert.Equal(ErrorCode.None, log.TruncateTo(leo + 100));
        Assert.Equal(leo, log.LogEndOffset);
        Assert.Equal(files, Directory.GetFiles(dir.PartitionDir).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void TruncateTo_InsideBatch_RemovesTheWholeBatch()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, Config);
        var bases = Fill(log, 12);
        // Batch 5 holds 3 records (5 % 3 == 2): cut at its second record.
        Assert.Equal(ErrorCode.None, log.TruncateTo(bases[5] + 1));
        Assert.Equal(bases[5], log.LogEndOffset);
        Assert.Equal(bases[4], PartitionLogTests.ReadAll(log)[^1].BaseOffset);
    }

    [Fact]
    public void TruncateTo_ThenReopen_IndexesAndOffsetsAgreeWithAFreshScan()
    {
        using var dir = new TempLogDir();
        List<long> bases;
        long target;
        using (var log = PartitionLog.Open(dir.PartitionDir, Config))
        {
            bases = Fill(log);
            target = bases[33];
            Assert.Equal(ErrorCode.None, log.TruncateTo(target));
            // Appends after the cut index and roll as usual.
            for (int i = 0; i < 10; i++)
                Assert.Equal(ErrorCode.None, log.Append(TestBatches.Batch(2, valueSize: 90), 9).Error);
        }
        long leo;
        var batchesClean = new List<RecordBatchHeader>();
        using (var clean = PartitionLog.Open(dir.PartitionDir, Config, new PartitionLogOptions { HadCleanShutdown = true }))
        {
            leo = clean.LogEndOffset;
            batchesClean.AddRange(PartitionLogTests.ReadAll(clean));
            // Every offset reads from the batch containing it (the offset index must not point past the cut).
            for (long offset = 0; offset < leo; offset++)
            {
                using var read = clean.Read(offset, 1);
                Assert.Equal(ErrorCode.None, read.Error);
                var first = TestBatches.Headers(read.Records.Span)[0];
                Assert.InRange(offset, first.BaseOffset, first.LastOffset);
            }
        }
        foreach (string index in Directory.GetFiles(dir.PartitionDir, "*index"))
            File.Delete(index);
        using var rebuilt = PartitionLog.Open(dir.PartitionDir, Config);
        Assert.Equal(leo, rebuilt.LogEndOffset);
        Assert.Equal(target + 20, leo);
        Assert.Equal(batchesClean.Select(b => b.BaseOffset), PartitionLogTests.ReadAll(rebuilt).Select(b => b.BaseOffset));
        Assert.Equal([(0, 0L), (3, bases[15]), (5, bases[30]), (9, target)], rebuilt.LeaderEpochs.Entries);
    }

    [Fact]
    public void TruncateTo_BelowFirstSegment_TruncatesFully()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, Config, new PartitionLogOptions { LogStartOffset = 500 });
        Assert.Equal([500L], log.SegmentBaseOffsets);
        Fill(log, 5);
        Assert.Equal(ErrorCode.None, log.TruncateTo(100));
        Assert.Equal(100, log.LogStartOffset);
        Assert.Equal(100, log.LogEndOffset);
        Assert.Equal([100L], log.SegmentBaseOffsets);
    }

    [Fact]
    public void TruncateFullyAndStartAt_AboveLogEnd_StartsEmptyThereAndSurvivesReopen()
    {
        using var dir = new TempLogDir();
        using (var log = PartitionLog.Open(dir.PartitionDir, Config, new PartitionLogOptions { AdvanceHighWatermarkOnAppend = true }))
        {
            Fill(log);
            Assert.Equal(ErrorCode.None, log.TruncateFullyAndStartAt(1_000));
            Assert.Equal(1_000, log.LogStartOffset);
            Assert.Equal(1_000, log.LogEndOffset);
            Assert.Equal(1_000, log.HighWatermark);
            Assert.Equal(1_000, log.CleanerCheckpoint);
            Assert.Empty(log.LeaderEpochs.Entries);
            Assert.Equal(0, log.ProducerCount);
            Assert.Equal([1_000L], log.SegmentBaseOffsets);
            var appended = log.Append(TestBatches.Batch(3), 4);
            Assert.Equal(1_000, appended.BaseOffset);
        }
        using var reopened = PartitionLog.Open(dir.PartitionDir, Config);
        Assert.Equal(1_000, reopened.LogStartOffset);
        Assert.Equal(1_003, reopened.LogEndOffset);
        Assert.Equal([(4, 1_000L)], reopened.LeaderEpochs.Entries);
        Assert.Single(PartitionLogTests.ReadAll(reopened));
    }

    [Fact]
    public void TruncateFullyAndStartAt_TheActiveSegmentBase_ReplacesItsFiles()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, Config);
        Fill(log, 3);
        Assert.Equal(ErrorCode.None, log.TruncateFullyAndStartAt(0));
        Assert.Equal(0, log.LogEndOffset);
        Assert.Equal(0, new FileInfo(Path.Combine(dir.PartitionDir, "00000000000000000000.log")).Length);
        Assert.Equal(0, log.Append(TestBatches.Batch(1), 1).BaseOffset);
    }

    // Step numbers rather than the internal enum, which a public test method cannot take.
    public static TheoryData<int> Steps() => new(Enum.GetValues<PartitionLog.TruncationStep>().Select(s => (int)s));

    [Theory]
    [MemberData(nameof(Steps))]
    public void TruncateTo_CrashAfterAnyStep_ReopensToAConsistentPrefix(int crashAfter)
    {
        using var dir = new TempLogDir();
        var log = PartitionLog.Open(dir.PartitionDir, Config);
        var bases = Fill(log);
        long original = log.LogEndOffset;
        byte[] all = ReadBytes(log, 0, original);
        long target = bases[18];
        log.TruncationStepHook = step =>
        {
            if ((int)step == crashAfter)
                throw new SimulatedCrashException();
        };
        Assert.Throws<SimulatedCrashException>(() => log.TruncateTo(target));
        // The crashed log is abandoned without Dispose (which would flush and snapshot).

        using var reopened = PartitionLog.Open(dir.PartitionDir, Config);
        AssertConsistentPrefix(reopened, all, bases, target, original);
        Assert.Equal(ErrorCode.None, reopened.TruncateTo(target));
        Assert.Equal(target, reopened.LogEndOffset);
        Assert.Equal(all.AsSpan(0, ReadBytes(reopened, 0, target).Length).ToArray(), ReadBytes(reopened, 0, target));
        var next = reopened.Append(TestBatches.Batch(1, producerId: ProducerId, producerEpoch: 0, baseSequence: NextSequenceAt(bases, target)), 8);
        Assert.Equal(ErrorCode.None, next.Error);
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public void TruncateFullyAndStartAt_CrashAfterAnyStep_ReopensToAPrefixOrTheNewStart(int crashAfter)
    {
        using var dir = new TempLogDir();
        var log = PartitionLog.Open(dir.PartitionDir, Config);
        var bases = Fill(log);
        long original = log.LogEndOffset;
        byte[] all = ReadBytes(log, 0, original);
        log.TruncationStepHook = step =>
        {
            if ((int)step == crashAfter)
                throw new SimulatedCrashException();
        };
        Assert.Throws<SimulatedCrashException>(() => log.TruncateFullyAndStartAt(5_000));

        using var reopened = PartitionLog.Open(dir.PartitionDir, Config);
        if (reopened.LogStartOffset == 5_000)
        {
            Assert.Equal(5_000, reopened.LogEndOffset);
        }
        else
        {
            AssertConsistentPrefix(reopened, all, bases, 0, original);
        }
        Assert.Equal(ErrorCode.None, reopened.TruncateFullyAndStartAt(5_000));
        Assert.Equal(5_000, reopened.Append(TestBatches.Batch(1), 8).BaseOffset);
    }

    // The reopened log holds a batch-aligned prefix of the original, between the target and the original end,
    // byte for byte, and its epoch cache names no offset past its end.
    private static void AssertConsistentPrefix(PartitionLog log, byte[] original, List<long> bases, long atLeast, long atMost)
    {
        long leo = log.LogEndOffset;
        Assert.InRange(leo, atLeast, atMost);
        Assert.True(leo == atMost || bases.Contains(leo), $"log end offset {leo} is not a batch boundary");
        byte[] kept = ReadBytes(log, log.LogStartOffset, leo);
        Assert.Equal(original.AsSpan(0, kept.Length).ToArray(), kept);
        Assert.All(log.LeaderEpochs.Entries, e => Assert.True(e.StartOffset < leo, $"epoch {e.Epoch} starts at {e.StartOffset}, past the end {leo}"));
    }

    private sealed class SimulatedCrashException : Exception;
}
