using Fjord.Chaos.Checking;
using Fjord.Protocol.Records;
using Fjord.Storage;

namespace Fjord.Chaos.Tests;

public sealed class ReplicaLogComparerTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "fjord-chaos-tests-" + Guid.NewGuid().ToString("N"));

    private string WriteLog(string node, params (string Value, int LeaderEpoch)[] batches)
    {
        var directory = Path.Combine(_root, node, "chaos-0");
        using var log = PartitionLog.Open(directory, LogConfig.Default);
        foreach (var (value, epoch) in batches)
        {
            using var builder = new RecordBatchBuilder();
            builder.Append(1_700_000_000_000, null, System.Text.Encoding.UTF8.GetBytes(value));
            builder.Append(1_700_000_000_001, null, System.Text.Encoding.UTF8.GetBytes(value + "'"));
            log.Append(builder.ToArray(), epoch);
        }
        return directory;
    }

    [Fact]
    public void ReadBatches_ReadsEveryBatchBelowTheHighWatermark()
    {
        var directory = WriteLog("node-0", ("a", 0), ("b", 0), ("c", 1));

        var (batches, error) = ReplicaLogComparer.ReadBatches(directory, highWatermark: 4);

        Assert.Null(error);
        Assert.Equal([(0L, 1L, 0), (2L, 3L, 0)], batches.Select(b => (b.BaseOffset, b.LastOffset, b.PartitionLeaderEpoch)));
    }

    [Fact]
    public void Compare_SameBatches_NoDivergence()
    {
        var replicas = new[] { "node-0", "node-1", "node-2" }
            .Select((node, id) => (id, ReplicaLogComparer.ReadBatches(WriteLog(node, ("a", 0), ("b", 1)), 4)))
            .Select(r => (r.id, r.Item2.Batches, r.Item2.Error)).ToList();

        Assert.Empty(ReplicaLogComparer.Compare(0, replicas, 4));
    }

    [Fact]
    public void Compare_SameRecordsUnderAnotherLeaderEpoch_DivergesAtThatBatch()
    {
        var reference = ReplicaLogComparer.ReadBatches(WriteLog("node-0", ("a", 0), ("b", 1)), 4);
        var stale = ReplicaLogComparer.ReadBatches(WriteLog("node-1", ("a", 0), ("b", 0)), 4);

        var divergence = Assert.Single(ReplicaLogComparer.Compare(0, [(0, reference.Batches, null), (1, stale.Batches, null)], 4));

        Assert.Equal((1, 2L), (divergence.Node, divergence.Offset));
    }

    [Fact]
    public void Compare_ReplicaShortOfTheHighWatermark_Diverges()
    {
        var reference = ReplicaLogComparer.ReadBatches(WriteLog("node-0", ("a", 0), ("b", 0)), 4);
        var behind = ReplicaLogComparer.ReadBatches(WriteLog("node-1", ("a", 0)), 4);

        var divergence = Assert.Single(ReplicaLogComparer.Compare(0, [(0, reference.Batches, null), (1, behind.Batches, null)], 4));

        Assert.Equal((1, 2L), (divergence.Node, divergence.Offset));
    }

    [Fact]
    public void ReadBatches_MissingDirectory_IsAnError() =>
        Assert.NotNull(ReplicaLogComparer.ReadBatches(Path.Combine(_root, "absent", "chaos-0"), 1).Error);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }
}
