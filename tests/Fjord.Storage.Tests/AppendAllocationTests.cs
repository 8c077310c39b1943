using Fjord.Protocol.Errors;

namespace Fjord.Storage.Tests;

public class AppendAllocationTests
{
    [Fact]
    public void Append_SteadyState_AllocatesNothing()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default with { SegmentBytes = 64 * 1024 * 1024 });
        ReadOnlyMemory<byte> batch = TestBatches.Batch(16, valueSize: 1000);
        for (int i = 0; i < 200; i++)
            Assert.Equal(ErrorCode.None, log.Append(batch, 0).Error); // warm up: JIT, pools, index growth

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 500; i++)
            log.Append(batch, 0);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // The offset index array doubles now and then (amortized, not per append); allow one growth.
        Assert.True(allocated <= 64 * 1024, $"{allocated} bytes allocated by 500 appends");
    }

    [Fact]
    public void Append_IdempotentSteadyState_AllocatesNothingForTransactionBookkeeping()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default with { SegmentBytes = 64 * 1024 * 1024 });
        var batches = new ReadOnlyMemory<byte>[700];
        for (int i = 0; i < batches.Length; i++)
            batches[i] = TestBatches.Batch(16, producerId: 3, producerEpoch: 0, baseSequence: i * 16, valueSize: 1000);
        for (int i = 0; i < 200; i++)
            Assert.Equal(ErrorCode.None, log.Append(batches[i], 0).Error);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 200; i < batches.Length; i++)
            log.Append(batches[i], 0);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated <= 64 * 1024, $"{allocated} bytes allocated by 500 idempotent appends");
        Assert.Equal(700 * 16, log.LogEndOffset);
    }
}
