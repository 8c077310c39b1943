using Fjord.Protocol.Errors;

namespace Fjord.Storage.Tests;

public class LogManagerTests
{
    private static readonly LogManagerOptions NoTimer = new() { MaintenanceInterval = TimeSpan.Zero };

    [Fact]
    public void GetOrCreateLog_IsIdempotent_AndLogsAreRediscoveredAfterRestart()
    {
        using var dir = new TempLogDir();
        var a = new TopicPartition("orders-eu", 0);
        var b = new TopicPartition("orders-eu", 1);
        using (var manager = new LogManager(dir.DataDir, LogConfig.Default, NoTimer))
        {
            var log = manager.GetOrCreateLog(a);
            Assert.Same(log, manager.GetOrCreateLog(a));
            log.Append(TestBatches.Batch(3), 0);
            manager.GetOrCreateLog(b).Append(TestBatches.Batch(2), 0);
        }
        Assert.True(File.Exists(Path.Combine(dir.DataDir, LogManager.CleanShutdownFileName)));
        Assert.Contains("orders-eu 0 3", File.ReadAllText(Path.Combine(dir.DataDir, OffsetCheckpointFile.RecoveryPointFileName)));

        using var restarted = new LogManager(dir.DataDir, LogConfig.Default, NoTimer);
        Assert.True(restarted.HadCleanShutdown);
        Assert.False(File.Exists(Path.Combine(dir.DataDir, LogManager.CleanShutdownFileName)));
        Assert.True(restarted.TryGetLog(a, out var reloaded));
        Assert.Equal(3, reloaded.LogEndOffset);
        Assert.True(restarted.TryGetLog(b, out var other));
        Assert.Equal(2, other.LogEndOffset);
    }

    [Fact]
    public async Task DeleteLogs_RemovesTopicDirectories_AndTheNameCanBeReused()
    {
        using var dir = new TempLogDir();
        using var manager = new LogManager(dir.DataDir, LogConfig.Default, NoTimer);
        for (int p = 0; p < 3; p++)
            manager.GetOrCreateLog(new TopicPartition("doomed", p)).Append(TestBatches.Batch(1), 0);
        manager.GetOrCreateLog(new TopicPartition("kept", 0));

        Assert.Equal(3, manager.DeleteLogs("doomed"));
        await manager.WhenBackgroundDeletesComplete();

        Assert.False(manager.TryGetLog(new TopicPartition("doomed", 0), out _));
        Assert.True(manager.TryGetLog(new TopicPartition("kept", 0), out _));
        Assert.Single(Directory.GetDirectories(dir.DataDir));
        Assert.Equal(0, manager.GetOrCreateLog(new TopicPartition("doomed", 0)).LogEndOffset);
    }

    [Fact]
    public void DirtyRestart_RecoversFromCheckpoints()
    {
        using var dir = new TempLogDir();
        var tp = new TopicPartition("t", 0);
        using (var manager = new LogManager(dir.DataDir, LogConfig.Default with { SegmentBytes = 1024 }, NoTimer))
        {
            var log = manager.GetOrCreateLog(tp);
            for (int i = 0; i < 30; i++)
                log.Append(TestBatches.Batch(2, valueSize: 40), 0);
            manager.FlushAll();
        }
        File.Delete(Path.Combine(dir.DataDir, LogManager.CleanShutdownFileName)); // as if killed
        string tail = Directory.GetFiles(Path.Combine(dir.DataDir, "t-0"), "*.log").Order(StringComparer.Ordinal).Last();
        using (var f = new FileStream(tail, FileMode.Append))
            f.Write(new byte[37]);

        using var restarted = new LogManager(dir.DataDir, LogConfig.Default with { SegmentBytes = 1024 }, NoTimer);
        Assert.False(restarted.HadCleanShutdown);
        Assert.True(restarted.TryGetLog(tp, out var recovered));
        Assert.Equal(60, recovered.LogEndOffset);
        Assert.Equal(ErrorCode.None, recovered.Append(TestBatches.Batch(1), 0).Error);
    }
}
