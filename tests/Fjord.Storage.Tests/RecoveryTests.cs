using Fjord.Protocol.Errors;
using Fjord.Protocol.Records;

namespace Fjord.Storage.Tests;

public class RecoveryTests
{
    private static readonly LogConfig Config = LogConfig.Default with { SegmentBytes = 2048, IndexIntervalBytes = 128 };

    private static List<byte[]> Fill(string dir, int batches, int seed)
    {
        var random = new Random(seed);
        var appended = new List<byte[]>();
        using var log = PartitionLog.Open(dir, Config);
        for (int i = 0; i < batches; i++)
        {
            var batch = TestBatches.Batch(1 + random.Next(4), baseTimestamp: 10_000 + i * 100, valueSize: random.Next(1, 60));
            Assert.Equal(ErrorCode.None, log.Append(batch, 0).Error);
            appended.Add(batch);
        }
        return appended;
    }

    [Fact]
    public void Open_TailTruncatedMidBatch_DropsOnlyTheTornBatch()
    {
        using var dir = new TempLogDir();
        var appended = Fill(dir.PartitionDir, 30, seed: 1);
        string last = dir.LogFiles()[^1];
        long length = new FileInfo(last).Length;
        using (var f = File.OpenWrite(last))
            f.SetLength(length - 5);

        using var log = PartitionLog.Open(dir.PartitionDir, Config);
        var all = PartitionLogTests.ReadAll(log);
        Assert.Equal(appended.Count - 1, all.Count);
        Assert.Equal(all[^1].NextOffset, log.LogEndOffset);
        Assert.Equal(ErrorCode.None, log.Append(TestBatches.Batch(1), 0).Error);
    }

    [Fact]
    public void Open_GarbageAppendedToTail_IsTruncated()
    {
        using var dir = new TempLogDir();
        var appended = Fill(dir.PartitionDir, 10, seed: 2);
        string last = dir.LogFiles()[^1];
        long before = new FileInfo(last).Length;
        using (var f = new FileStream(last, FileMode.Append))
            f.Write(Enumerable.Range(0, 100).Select(i => (byte)(i * 7)).ToArray());

        using var log = PartitionLog.Open(dir.PartitionDir, Config);
        Assert.Equal(before, new FileInfo(last).Length);
        Assert.Equal(appended.Count, PartitionLogTests.ReadAll(log).Count);
    }

    [Fact]
    public void Open_FlippedByteInLastBatch_DropsThatBatch()
    {
        using var dir = new TempLogDir();
        var appended = Fill(dir.PartitionDir, 10, seed: 3);
        string last = dir.LogFiles()[^1];
        var bytes = File.ReadAllBytes(last);
        bytes[^3] ^= 0xFF;
        File.WriteAllBytes(last, bytes);

        using var log = PartitionLog.Open(dir.PartitionDir, Config);
        Assert.Equal(appended.Count - 1, PartitionLogTests.ReadAll(log).Count);
    }

    [Fact]
    public void Open_MissingOrCorruptIndexes_AreRebuilt()
    {
        using var dir = new TempLogDir();
        Fill(dir.PartitionDir, 60, seed: 4);
        foreach (string index in Directory.GetFiles(dir.PartitionDir, "*.index"))
            File.Delete(index);
        foreach (string index in Directory.GetFiles(dir.PartitionDir, "*.timeindex"))
            File.WriteAllBytes(index, [1, 2, 3]);

        using var log = PartitionLog.Open(dir.PartitionDir, Config, new PartitionLogOptions { HadCleanShutdown = true });
        for (long offset = 0; offset < log.LogEndOffset; offset++)
        {
            using var read = log.Read(offset, 1);
            var h = RecordBatchHeader.Read(read.Records.Span);
            Assert.InRange(offset, h.BaseOffset, h.LastOffset);
        }
        Assert.NotNull(log.FindOffsetByTimestamp(10_000 + 30 * 100));
    }

    [Fact]
    public void Read_CorruptByteInClosedSegment_IsCorruptMessage()
    {
        using var dir = new TempLogDir();
        Fill(dir.PartitionDir, 60, seed: 5);
        string first = dir.LogFiles()[0];
        var bytes = File.ReadAllBytes(first);
        bytes[RecordBatchHeader.HeaderSize + 3] ^= 0x01; // inside the first batch's records
        File.WriteAllBytes(first, bytes);

        using var log = PartitionLog.Open(dir.PartitionDir, Config, new PartitionLogOptions { HadCleanShutdown = true });
        using var read = log.Read(0, 1 << 20);
        Assert.Equal(ErrorCode.CorruptMessage, read.Error);
        Assert.True(read.Records.IsEmpty);
    }

    [Fact]
    public void Property_RandomAppendsAndTailDamage_RecoveryKeepsExactlyAValidPrefix()
    {
        for (int iteration = 0; iteration < 60; iteration++)
        {
            int seed = 1000 + iteration;
            try
            {
                RunRecoveryProperty(seed);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new Xunit.Sdk.XunitException($"Recovery property failed for seed {seed}: {e}");
            }
        }
    }

    private static void RunRecoveryProperty(int seed)
    {
        var random = new Random(seed);
        using var dir = new TempLogDir();
        var config = LogConfig.Default with { SegmentBytes = 1200 + random.Next(4096), IndexIntervalBytes = random.Next(0, 512) };
        var appended = new List<byte[]>();
        using (var log = PartitionLog.Open(dir.PartitionDir, config))
        {
            int appends = random.Next(1, 80);
            for (int i = 0; i < appends; i++)
            {
                var batches = Enumerable.Range(0, random.Next(1, 3))
                    .Select(_ => TestBatches.Batch(random.Next(1, 6), baseTimestamp: 50_000 + appended.Count * 10, valueSize: random.Next(0, 80), fill: (byte)random.Next()))
                    .ToArray();
                Assert.Equal(ErrorCode.None, log.Append(TestBatches.Concat(batches), 0).Error);
                appended.AddRange(batches);
            }
        }

        // Damage the tail segment: truncate at a random point, append garbage, or flip a byte in its last bytes.
        string tail = dir.LogFiles()[^1];
        long tailBaseOffset = long.Parse(Path.GetFileNameWithoutExtension(tail), System.Globalization.CultureInfo.InvariantCulture);
        var bytes = File.ReadAllBytes(tail).ToList();
        bool damaged = true;
        switch (random.Next(4))
        {
            case 0:
                int cut = random.Next(0, bytes.Count + 1);
                damaged = cut < bytes.Count;
                bytes.RemoveRange(cut, bytes.Count - cut);
                break;
            case 1:
                bytes.AddRange(Enumerable.Range(0, random.Next(1, 200)).Select(_ => (byte)random.Next(256)));
                break;
            case 2:
                damaged = bytes.Count > 0;
                if (bytes.Count > 0)
                    bytes[bytes.Count - 1 - random.Next(Math.Min(bytes.Count, 100))] ^= (byte)(1 + random.Next(255));
                break;
            default:
                damaged = false;
                break;
        }
        File.WriteAllBytes(tail, bytes.ToArray());

        using var recovered = PartitionLog.Open(dir.PartitionDir, config);
        var all = PartitionLogTests.ReadAll(recovered);
        Assert.True(all.Count <= appended.Count, $"recovered {all.Count} batches, appended {appended.Count}");
        // The recovered log is a prefix of what was appended, batch for batch (CRC-covered bytes identical).
        long next = 0;
        for (int i = 0; i < all.Count; i++)
        {
            var original = RecordBatchHeader.Read(appended[i]);
            Assert.Equal(next, all[i].BaseOffset);
            Assert.Equal(original.Crc, all[i].Crc);
            Assert.Equal(original.RecordCount, all[i].RecordCount);
            next = all[i].NextOffset;
        }
        Assert.Equal(next, recovered.LogEndOffset);
        // Every closed segment was fsync'd on roll, so only the tail segment may lose batches: each appended batch that
        // ends before the damaged tail segment's base offset is recovered.
        long end = 0;
        int batchesBeforeTail = 0;
        foreach (var batch in appended)
        {
            end += RecordBatchHeader.Read(batch).RecordCount;
            if (end <= tailBaseOffset)
                batchesBeforeTail++;
        }
        Assert.True(all.Count >= batchesBeforeTail, $"recovered {all.Count} batches, but {batchesBeforeTail} lay in closed segments before offset {tailBaseOffset}");
        if (!damaged)
            Assert.True(all.Count == appended.Count, $"the tail segment was not damaged, yet recovery kept {all.Count} of {appended.Count} batches");

        // Every index lookup agrees with a linear scan.
        for (long offset = 0; offset < recovered.LogEndOffset; offset++)
        {
            using var read = recovered.Read(offset, 1);
            var h = RecordBatchHeader.Read(read.Records.Span);
            var expected = all.First(b => b.LastOffset >= offset);
            Assert.True(expected.BaseOffset == h.BaseOffset, $"offset {offset}: expected batch {expected.BaseOffset}, got {h.BaseOffset}; segments {string.Join(",", recovered.SegmentBaseOffsets)} interval {config.IndexIntervalBytes} records {read.Records.Length}");
        }
        foreach (var h in all)
        {
            var found = recovered.FindOffsetByTimestamp(h.BaseTimestamp);
            var expected = all.First(b => b.MaxTimestamp >= h.BaseTimestamp);
            Assert.NotNull(found);
            Assert.InRange(found.Value.Offset, expected.BaseOffset, expected.LastOffset);
        }

        // The recovered log accepts appends at its end.
        Assert.Equal(next, recovered.Append(TestBatches.Batch(1), 0).BaseOffset);
    }
}
