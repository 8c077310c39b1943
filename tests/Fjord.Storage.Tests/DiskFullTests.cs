using System.Diagnostics;
using Fjord.Protocol.Errors;
using Xunit.Abstractions;

namespace Fjord.Storage.Tests;

public class DiskFullTests(ITestOutputHelper output)
{
    [Fact]
    public void Append_WhenFileSystemFull_AnswersKafkaStorageErrorAndTakesPartitionOffline()
    {
        using var dir = new TempLogDir();
        string mountPoint = Path.Combine(dir.DataDir, "small");
        Directory.CreateDirectory(mountPoint);
        if (!Run("mount", $"-t tmpfs -o size=2m tmpfs {mountPoint}", out string why))
        {
            // xunit 2 has no dynamic skip: say so loudly and pass.
            output.WriteLine($"SKIPPED: cannot mount a 2 MiB tmpfs to fill ({why}); run as root to exercise ENOSPC.");
            return;
        }
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
            Run("umount", mountPoint, out _);
        }
    }

    private static bool Run(string file, string arguments, out string error)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            error = e.Message;
            return false;
        }
    }
}
