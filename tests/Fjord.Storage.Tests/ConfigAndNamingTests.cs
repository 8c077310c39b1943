namespace Fjord.Storage.Tests;

public class ConfigAndNamingTests
{
    [Theory]
    [InlineData("orders-3", "orders", 3)]
    [InlineData("my-topic-with-dashes-12", "my-topic-with-dashes", 12)]
    [InlineData("__consumer_offsets-49", "__consumer_offsets", 49)]
    public void TopicPartition_DirectoryName_RoundTrips(string name, string topic, int partition)
    {
        Assert.True(TopicPartition.TryParseDirectoryName(name, out var tp));
        Assert.Equal(new TopicPartition(topic, partition), tp);
        Assert.Equal(name, tp.Value.ToString());
    }

    [Theory]
    [InlineData("orders")]
    [InlineData("orders-")]
    [InlineData("-3")]
    [InlineData("orders-3.0123abcd-delete")]
    [InlineData("orders-x")]
    public void TopicPartition_NotAPartitionDirectory_DoesNotParse(string name) =>
        Assert.False(TopicPartition.TryParseDirectoryName(name, out _));

    [Fact]
    public void LogConfig_FromProperties_AppliesKafkaNamesOverDefaults()
    {
        var config = LogConfig.FromProperties(new Dictionary<string, string>
        {
            ["segment.bytes"] = "1048576",
            ["retention.ms"] = "-1",
            ["cleanup.policy"] = "compact,delete",
            ["message.timestamp.type"] = "LogAppendTime",
            ["unclean.leader.election.enable"] = "false",
        });
        Assert.Equal(1048576, config.SegmentBytes);
        Assert.Equal(-1, config.RetentionMs);
        Assert.Equal(CleanupPolicy.Compact | CleanupPolicy.Delete, config.CleanupPolicy);
        Assert.Equal(MessageTimestampType.LogAppendTime, config.MessageTimestampType);
        Assert.Equal(LogConfig.Default.IndexIntervalBytes, config.IndexIntervalBytes);
        Assert.Equal(config, LogConfig.FromProperties(config.ToProperties()));
    }

    [Theory]
    [InlineData("segment.bytes", "abc")]
    [InlineData("segment.bytes", "10")]
    [InlineData("retention.ms", "-2")]
    [InlineData("cleanup.policy", "shred")]
    [InlineData("min.cleanable.dirty.ratio", "1.5")]
    [InlineData("no.such.config", "1")]
    public void LogConfig_FromProperties_BadValue_NamesTheKey(string key, string value)
    {
        var e = Assert.Throws<LogConfigException>(() => LogConfig.FromProperties(new Dictionary<string, string> { [key] = value }));
        Assert.Equal(key, e.Key);
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void OffsetCheckpointFile_RoundTripsKafkaTextFormat()
    {
        using var dir = new TempLogDir();
        string path = Path.Combine(dir.DataDir, OffsetCheckpointFile.RecoveryPointFileName);
        var offsets = new Dictionary<TopicPartition, long> { [new("a-b", 0)] = 5, [new("c", 7)] = 123456789012 };
        OffsetCheckpointFile.Write(path, offsets);
        Assert.Equal("0\n2\n", File.ReadAllText(path)[..4]);
        Assert.Contains("a-b 0 5\n", File.ReadAllText(path));
        Assert.Equal(offsets, OffsetCheckpointFile.Read(path));
    }

    [Fact]
    public void FileHandleCache_KeepsAtMostCapacityIdleHandles()
    {
        using var dir = new TempLogDir();
        Directory.CreateDirectory(dir.PartitionDir);
        using var cache = new FileHandleCache(capacity: 3);
        var files = Enumerable.Range(0, 10).Select(i => cache.Register(Path.Combine(dir.PartitionDir, $"{i}.bin"))).ToList();
        foreach (var f in files)
        {
            using var lease = f.Acquire();
            RandomAccess.Write(lease.Handle, new byte[] { 1 }, 0);
        }
        Assert.Equal(3, cache.OpenCount);
        var leases = files.Select(f => f.Acquire()).ToList(); // all leased: may exceed capacity, never closes under a user
        Assert.Equal(10, cache.OpenCount);
        foreach (var l in leases)
            l.Dispose();
        Assert.True(cache.OpenCount <= 3);
    }
}
