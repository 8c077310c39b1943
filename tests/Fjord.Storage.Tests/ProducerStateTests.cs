using Fjord.Protocol.Errors;

namespace Fjord.Storage.Tests;

public class ProducerStateTests
{
    private static byte[] Batch(long pid, short epoch, int seq, int records = 2) =>
        TestBatches.Batch(records, producerId: pid, producerEpoch: epoch, baseSequence: seq);

    [Fact]
    public void Append_RetriedBatch_ReturnsOriginalOffsetsWithoutWriting()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        log.Append(TestBatches.Batch(3), 0);
        var first = log.Append(Batch(42, 0, 0), 0);
        var second = log.Append(Batch(42, 0, 2), 0);
        var retry = log.Append(Batch(42, 0, 0), 0);

        Assert.Equal(ErrorCode.None, retry.Error);
        Assert.True(retry.Duplicate);
        Assert.Equal(first.BaseOffset, retry.BaseOffset);
        Assert.Equal(first.LastOffset, retry.LastOffset);
        Assert.Equal(second.LastOffset + 1, log.LogEndOffset);
    }

    [Fact]
    public void Append_SequenceGap_IsOutOfOrderSequenceNumber()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        Assert.Equal(ErrorCode.None, log.Append(Batch(1, 0, 0), 0).Error);
        var gap = log.Append(Batch(1, 0, 5), 0);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, gap.Error);
        Assert.NotNull(gap.ErrorMessage);
        Assert.Equal(2, log.LogEndOffset);
        // An old sequence that is no longer among the remembered batches is also out of order.
        for (int seq = 2; seq < 2 + 2 * 6; seq += 2)
            Assert.Equal(ErrorCode.None, log.Append(Batch(1, 0, seq), 0).Error);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, log.Append(Batch(1, 0, 0), 0).Error);
    }

    [Fact]
    public void Append_OlderEpoch_IsInvalidProducerEpoch_NewEpochMustStartAtZero()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        Assert.Equal(ErrorCode.None, log.Append(Batch(9, 1, 0), 0).Error);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, log.Append(Batch(9, 0, 2), 0).Error);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, log.Append(Batch(9, 2, 5), 0).Error);
        Assert.Equal(ErrorCode.None, log.Append(Batch(9, 2, 0), 0).Error);
        // The bump fenced epoch 1.
        Assert.Equal(ErrorCode.InvalidProducerEpoch, log.Append(Batch(9, 1, 2), 0).Error);
    }

    [Fact]
    public void Append_UnknownProducerWithNonZeroSequence_IsAccepted()
    {
        // KIP-360: state lost to retention/expiration must not make a producer fail.
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        Assert.Equal(ErrorCode.None, log.Append(Batch(5, 0, 1000), 0).Error);
        Assert.Equal(ErrorCode.None, log.Append(Batch(5, 0, 1002), 0).Error);
    }

    [Fact]
    public void Append_SequenceWrapsAtIntMaxValue()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        Assert.Equal(ErrorCode.None, log.Append(Batch(5, 0, int.MaxValue - 1, records: 2), 0).Error);
        Assert.Equal(ErrorCode.None, log.Append(Batch(5, 0, 0, records: 2), 0).Error);
        var retry = log.Append(Batch(5, 0, int.MaxValue - 1, records: 2), 0);
        Assert.True(retry.Duplicate);
        Assert.Equal(0, retry.BaseOffset);
    }

    [Fact]
    public void Append_TwoBatchesOfSameProducerInOneAppend_AreCheckedInOrder()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        Assert.Equal(ErrorCode.None, log.Append(TestBatches.Concat(Batch(3, 0, 0), Batch(3, 0, 2)), 0).Error);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, log.Append(TestBatches.Concat(Batch(3, 0, 4), Batch(3, 0, 9)), 0).Error);
        Assert.Equal(4, log.LogEndOffset);
        Assert.Equal(ErrorCode.None, log.Append(Batch(3, 0, 4), 0).Error);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Reopen_RebuildsProducerState_DuplicatesStillDetected(bool clean)
    {
        using var dir = new TempLogDir();
        var config = LogConfig.Default with { SegmentBytes = 1024 };
        LogAppendResult first;
        using (var log = PartitionLog.Open(dir.PartitionDir, config))
        {
            for (int i = 0; i < 20; i++)
                log.Append(TestBatches.Batch(3, valueSize: 30), 0);
            first = log.Append(Batch(77, 3, 0), 0);
            log.Append(Batch(77, 3, 2), 0);
            for (int i = 0; i < 10; i++)
                log.Append(TestBatches.Batch(2, valueSize: 30), 0);
        }
        if (!clean)
        {
            // Without snapshots the state comes from scanning the log.
            foreach (string snapshot in Directory.GetFiles(dir.PartitionDir, "*.snapshot"))
                File.Delete(snapshot);
        }
        using var reopened = PartitionLog.Open(dir.PartitionDir, config, new PartitionLogOptions { HadCleanShutdown = clean });
        var retry = reopened.Append(Batch(77, 3, 0), 0);
        Assert.True(retry.Duplicate);
        Assert.Equal(first.BaseOffset, retry.BaseOffset);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, reopened.Append(Batch(77, 3, 7), 0).Error);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, reopened.Append(Batch(77, 2, 4), 0).Error);
        Assert.Equal(ErrorCode.None, reopened.Append(Batch(77, 3, 4), 0).Error);
    }
}
