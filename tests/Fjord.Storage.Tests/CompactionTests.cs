using System.Text;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Records;
using Fjord.Storage.Cleaner;

namespace Fjord.Storage.Tests;

public class CompactionTests
{
    internal static readonly LogConfig Compacted = LogConfig.Default with
    {
        SegmentBytes = 1024,
        IndexIntervalBytes = 64,
        CleanupPolicy = CleanupPolicy.Compact,
        MinCleanableDirtyRatio = 0,
        DeleteRetentionMs = 10_000,
        FileDeleteDelayMs = 0,
    };

    internal sealed record Rec(long Offset, string? Key, string? Value, long Timestamp);

    internal static byte[] KeyedBatch(IReadOnlyList<(string? Key, string? Value)> records, long timestamp, CompressionType compression = CompressionType.None,
        long producerId = -1, short epoch = -1, int baseSequence = -1)
    {
        using var builder = new RecordBatchBuilder(compression) { ProducerId = producerId, ProducerEpoch = epoch, BaseSequence = baseSequence };
        for (int i = 0; i < records.Count; i++)
        {
            var (key, value) = records[i];
            builder.Append(timestamp + i, key is null ? null : Encoding.UTF8.GetBytes(key), value is null ? null : Encoding.UTF8.GetBytes(value));
        }
        return builder.ToArray();
    }

    internal static List<Rec> ReadRecords(PartitionLog log)
    {
        var result = new List<Rec>();
        long offset = log.LogStartOffset;
        while (offset < log.HighWatermark)
        {
            using var read = log.Read(offset, 1 << 20);
            Assert.Equal(ErrorCode.None, read.Error);
            var bytes = read.Records.ToArray();
            Assert.NotEmpty(bytes);
            var span = bytes.AsSpan();
            while (span.Length > 0)
            {
                var header = RecordBatchHeader.Read(span);
                Assert.Equal(header.Crc, RecordBatchHeader.ComputeCrc(span[..header.TotalSize]));
                using (var reader = new RecordReader(span[..header.TotalSize]))
                {
                    while (reader.TryReadNext(out Fjord.Protocol.Records.Record r))
                    {
                        result.Add(new Rec(r.Offset, r.IsKeyNull ? null : Encoding.UTF8.GetString(r.Key),
                            r.IsValueNull ? null : Encoding.UTF8.GetString(r.Value), r.Timestamp));
                    }
                }
                offset = header.NextOffset;
                span = span[header.TotalSize..];
            }
        }
        return result;
    }

    // Appends random keyed batches (some tombstones, some compressed, some idempotent), then one
    // batch that rolls a fresh active segment so everything before it is cleanable.
    private static List<Rec> FillRandom(PartitionLog log, Random random, int batches, int keySpace, long timestamp = 1_000)
    {
        var appended = new List<Rec>();
        var codecs = new[] { CompressionType.None, CompressionType.Gzip, CompressionType.Lz4, CompressionType.Zstd, CompressionType.Snappy };
        int sequence = 0;
        for (int b = 0; b < batches; b++)
        {
            int n = random.Next(1, 6);
            var records = new List<(string?, string?)>();
            for (int i = 0; i < n; i++)
            {
                string key = "k" + random.Next(keySpace);
                string? value = random.Next(6) == 0 ? null : $"v{b}-{i}-{new string('x', random.Next(0, 40))}";
                records.Add((key, value));
            }
            bool idempotent = random.Next(3) == 0;
            var batch = KeyedBatch(records, timestamp + b * 10, codecs[random.Next(codecs.Length)],
                idempotent ? 7 : -1, idempotent ? (short)0 : (short)-1, idempotent ? sequence : -1);
            if (idempotent)
                sequence += n;
            var result = log.Append(batch, 0);
            Assert.Equal(ErrorCode.None, result.Error);
            for (int i = 0; i < n; i++)
                appended.Add(new Rec(result.BaseOffset + i, records[i].Item1, records[i].Item2, timestamp + b * 10 + i));
        }
        // Fill the active segment so the next append rolls; then the whole random part is cleanable.
        long lastRandom = appended[^1].Offset;
        while (log.SegmentBaseOffsets[^1] <= lastRandom)
        {
            var filler = log.Append(KeyedBatch([("filler", new string('f', 300))], timestamp + batches * 10), 0);
            appended.Add(new Rec(filler.BaseOffset, "filler", new string('f', 300), timestamp + batches * 10));
        }
        return appended;
    }

    // What reading a cleaned log must give: below end, the latest record of each key (tombstones only
    // if kept); at or above end, everything.
    private static List<Rec> Expected(List<Rec> appended, long end, bool tombstonesKept)
    {
        var latest = new Dictionary<string, long>();
        foreach (var r in appended)
        {
            if (r.Offset < end && r.Key is not null)
                latest[r.Key] = r.Offset;
        }
        return appended.Where(r => r.Offset >= end || (latest[r.Key!] == r.Offset && (r.Value is not null || tombstonesKept))).ToList();
    }

    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, 12).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Compact_RandomKeys_LeavesLatestValuePerKeyAtOriginalOffsets(int seed)
    {
        var random = new Random(seed);
        using var dir = new TempLogDir();
        var clock = new ManualClock(1_000_000);
        using var log = PartitionLog.Open(dir.PartitionDir, Compacted, new PartitionLogOptions { TimeProvider = clock });
        var appended = FillRandom(log, random, batches: 40 + random.Next(80), keySpace: 1 + random.Next(30));
        long activeBase = log.SegmentBaseOffsets[^1];
        long sizeBefore = log.SizeInBytes;

        var result = log.Compact();

        Assert.NotNull(result);
        Assert.Equal(activeBase, result.EndOffset);
        Assert.Equal(activeBase, log.CleanerCheckpoint);
        Assert.Equal(Expected(appended, activeBase, tombstonesKept: true), ReadRecords(log));
        Assert.True(log.SizeInBytes <= sizeBefore);

        // After delete.retention.ms the next pass drops the tombstones too.
        clock.Advance(Compacted.DeleteRetentionMs + 1);
        bool tombstonesLeft = Expected(appended, activeBase, tombstonesKept: true).Any(r => r.Value is null && r.Offset < activeBase);
        Assert.Equal(tombstonesLeft, log.Compact() is not null);
        Assert.Equal(Expected(appended, activeBase, tombstonesKept: false), ReadRecords(log));

        // Reopening (dirty: indexes and segments re-read from disk) gives the same log.
        var expected = ReadRecords(log);
        log.Dispose();
        using var reopened = PartitionLog.Open(dir.PartitionDir, Compacted, new PartitionLogOptions { TimeProvider = clock, RecoveryPoint = 0 });
        Assert.Equal(expected, ReadRecords(reopened));
        foreach (var r in expected)
        {
            using var one = reopened.Read(r.Offset, 1);
            Assert.Equal(ErrorCode.None, one.Error);
            var header = RecordBatchHeader.Read(one.Records.Span);
            Assert.InRange(r.Offset, header.BaseOffset, header.LastOffset);
        }
    }

    [Fact]
    public void Compact_KeepsProducerFieldsAndEmptyHeaderOfLastProducerBatch()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, Compacted);
        Assert.Equal(ErrorCode.None, log.Append(KeyedBatch([("a", "1"), ("b", "1")], 1000, producerId: 5, epoch: 2, baseSequence: 0), 3).Error);
        Assert.Equal(ErrorCode.None, log.Append(KeyedBatch([("a", "2"), ("b", "2")], 1000), 3).Error);
        Assert.Equal(ErrorCode.None, log.Append(KeyedBatch([("a", new string('z', 900))], 1000), 3).Error);
        Assert.Equal(ErrorCode.None, log.Append(KeyedBatch([("c", new string('z', 900))], 1000), 3).Error); // rolls
        Assert.NotNull(log.Compact());

        using var read = log.Read(0, 1 << 20);
        var headers = TestBatches.Headers(read.Records.Span);
        // The producer's only batch lost both records but keeps its header, offsets and sequence range.
        Assert.Equal(0, headers[0].BaseOffset);
        Assert.Equal(1, headers[0].LastOffsetDelta);
        Assert.Equal(0, headers[0].RecordCount);
        Assert.Equal(5, headers[0].ProducerId);
        Assert.Equal(2, headers[0].ProducerEpoch);
        Assert.Equal(0, headers[0].BaseSequence);
        Assert.Equal(3, headers[0].PartitionLeaderEpoch);
        Assert.Equal(["2"], ReadRecords(log).Where(r => r.Key == "b").Select(r => r.Value ?? "").ToArray());
        Assert.Equal(new long?[] { 0 }, new long?[] { log.GetProducerState(5)?.Batches[^1].FirstOffset });
    }

    [Fact]
    public void Compact_NeverTouchesActiveSegmentNorYoungSegments()
    {
        using var dir = new TempLogDir();
        var clock = new ManualClock(100_000);
        var config = Compacted with { MinCompactionLagMs = 50_000 };
        using var log = PartitionLog.Open(dir.PartitionDir, config, new PartitionLogOptions { TimeProvider = clock });
        for (int i = 0; i < 20; i++)
            log.Append(KeyedBatch([("same", new string('v', 200))], 90_000), 0);
        // The active segment holds duplicates too, but is never cleaned.
        Assert.True(log.SegmentCount > 2);
        int before = ReadRecords(log).Count;
        // Timestamps 90 000 are younger than now - lag = 50 000: nothing is cleanable yet.
        Assert.Null(log.Compact());
        Assert.Equal(before, ReadRecords(log).Count);

        clock.Advance(100_000);
        Assert.NotNull(log.Compact());
        var records = ReadRecords(log);
        long activeBase = log.SegmentBaseOffsets[^1];
        Assert.Single(records, r => r.Offset < activeBase);
        Assert.Equal(records.Count(r => r.Offset >= activeBase), (int)(log.LogEndOffset - activeBase));
    }

    [Fact]
    public void Compact_BelowMinCleanableDirtyRatio_DoesNothing()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, Compacted with { MinCleanableDirtyRatio = 0.5 });
        for (int i = 0; i < 20; i++)
            log.Append(KeyedBatch([("k" + (i % 3), new string('v', 200))], 1000), 0);
        Assert.Equal(1.0, log.DirtyRatio);
        Assert.NotNull(log.Compact());
        double ratio = log.DirtyRatio;
        Assert.True(ratio < 0.5, $"ratio {ratio}");
        long size = log.SizeInBytes;
        Assert.Null(log.Compact());
        Assert.Equal(size, log.SizeInBytes);
    }

    [Fact]
    public void Compact_DeletePolicyOnly_IsNotCompacted()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, Compacted with { CleanupPolicy = CleanupPolicy.Delete });
        for (int i = 0; i < 20; i++)
            log.Append(KeyedBatch([("k", new string('v', 200))], 1000), 0);
        Assert.Null(log.Compact(force: true));
    }

    public static IEnumerable<object[]> Steps() => Enum.GetValues<CompactionStep>().Select(s => new object[] { s });

    private sealed class SimulatedCrash : Exception;

    [Theory]
    [MemberData(nameof(Steps))]
    public void Compact_CrashAtSwapStep_ReopensToAConsistentLog(CompactionStep step)
    {
        var random = new Random(42 + (int)step);
        using var dir = new TempLogDir();
        var log = PartitionLog.Open(dir.PartitionDir, Compacted);
        var appended = FillRandom(log, random, batches: 60, keySpace: 8);
        long activeBase = log.SegmentBaseOffsets[^1];
        log.CompactionStepHook = s =>
        {
            if (s == step)
                throw new SimulatedCrash();
        };
        Assert.Throws<SimulatedCrash>(() => log.Compact());
        log.AbandonForCrashTest();

        using var reopened = PartitionLog.Open(dir.PartitionDir, Compacted);
        Assert.Empty(Directory.GetFiles(dir.PartitionDir, "*.cleaned"));
        Assert.Empty(Directory.GetFiles(dir.PartitionDir, "*.swap"));
        var records = ReadRecords(reopened);
        var byOffset = appended.ToDictionary(r => r.Offset);
        foreach (var r in records)
            Assert.Equal(byOffset[r.Offset], r);
        var compacted = Expected(appended, activeBase, tombstonesKept: true);
        foreach (var r in compacted)
            Assert.Contains(r, records);
        Assert.Equal(appended[^1].Offset + 1, reopened.LogEndOffset);

        // Whatever survived, cleaning again and appending give the fully compacted log.
        reopened.Compact(force: true);
        Assert.Equal(compacted, ReadRecords(reopened));
        Assert.Equal(ErrorCode.None, reopened.Append(KeyedBatch([("new", "v")], 5000), 0).Error);
    }

    [Fact]
    public void LogManager_RunCleaner_CompactsAndCheckpointsFirstDirtyOffset()
    {
        using var dir = new TempLogDir();
        var tp = new TopicPartition("compacted", 0);
        long checkpoint;
        using (var manager = new LogManager(dir.DataDir, Compacted, new LogManagerOptions { MaintenanceInterval = TimeSpan.Zero, CleanerBackoff = TimeSpan.Zero }))
        {
            var log = manager.GetOrCreateLog(tp);
            var appended = FillRandom(log, new Random(7), 50, 5);
            Assert.Equal(1, manager.RunCleaner());
            checkpoint = log.CleanerCheckpoint;
            Assert.True(checkpoint > 0);
            Assert.Equal(0, manager.RunCleaner());
        }
        string file = Path.Combine(dir.DataDir, OffsetCheckpointFile.CleanerOffsetFileName);
        Assert.Equal(checkpoint, OffsetCheckpointFile.Read(file)[tp]);
        using var again = new LogManager(dir.DataDir, Compacted, new LogManagerOptions { MaintenanceInterval = TimeSpan.Zero, CleanerBackoff = TimeSpan.Zero });
        Assert.True(again.TryGetLog(tp, out var reloaded));
        Assert.Equal(checkpoint, reloaded.CleanerCheckpoint);
    }
}
