using Fjord.Protocol.Errors;

namespace Fjord.Storage.Tests;

public class DiskFullTests
{
    [TmpfsMountFact]
    public void Append_WhenFileSystemFull_AnswersKafkaStorageErrorAndTakesPartitionOffline()
    {
        using var dir = new TempLogDir();
        string mountPoint = Path.Combine(dir.DataDir, "small");
        Directory.CreateDirectory(mountPoint);
        // The attribute's trial mount succeeded, so a failure here is a real failure.
        Assert.True(TmpfsMountFactAttribute.TryMount(mountPoint, "2m", out string why), $"mounting a 2 MiB tmpfs: {why}");
        try
        {
            var config = LogConfig.Default with { SegmentBytes = 512 * 1024 };
            using var log = PartitionLog.Open(Path.Combine(mountPoint, "full-0"), config);
            var batch = TestBatches.Batch(16, valueSize: 1000);
            LogAppendResult result = default;
            long appended = 0;
            for (int i = 0; i < 10_000; i++)
            {
                result = log.Append(batch, 0);
                if (result.Error != ErrorCode.None)
                    break;
                appended = result.LastOffset + 1;
            }

            Assert.Equal(ErrorCode.KafkaStorageError, result.Error);
            Assert.True(log.IsOffline);
            Assert.True(appended > 0, "some appends should fit in 2 MiB");
            Assert.Equal(appended, log.LogEndOffset);
            Assert.Equal(ErrorCode.KafkaStorageError, log.Append(TestBatches.Batch(1), 0).Error);
            using var read = log.Read(0, 1024);
            Assert.Equal(ErrorCode.KafkaStorageError, read.Error);
            log.RunMaintenance();
            log.Flush();
        }
        finally
        {
            TmpfsMountFactAttribute.Unmount(mountPoint);
        }
    }
}
