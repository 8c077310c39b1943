using Fjord.Protocol.Errors;
using Fjord.Protocol.Records;
using Fjord.Storage;

namespace Fjord.Chaos.Checking;

/// <summary>
/// Compares stopped nodes' on-disk partition logs batch by batch below the high watermark, read with
/// Fjord.Storage's own <see cref="PartitionLog"/> (so recovery runs as on a restart and every served batch's CRC
/// is checked): followers append the leader's batches verbatim, so below the high watermark every replica must
/// hold the same batches (offsets, leader epoch, CRC, length). The first difference per replica is reported;
/// a replica that stops short of the high watermark differs too. Call only after the nodes exited; one thread.
/// </summary>
public static class ReplicaLogComparer
{
    private const int ReadBytes = 1024 * 1024;

    /// <summary>
    /// Batches of <paramref name="partitionDirectory"/> with base offset below <paramref name="highWatermark"/>,
    /// or the error that stopped the read.
    /// </summary>
    public static (List<ReplicaBatch> Batches, string? Error) ReadBatches(string partitionDirectory, long highWatermark)
    {
        var batches = new List<ReplicaBatch>();
        if (!Directory.Exists(partitionDirectory)) return (batches, "no partition directory");
        using var log = PartitionLog.Open(partitionDirectory, LogConfig.Default);
        var offset = log.LogStartOffset;
        while (offset < highWatermark)
        {
            using var read = log.Read(offset, ReadBytes, maxOffsetExclusive: highWatermark);
            if (read.Error != ErrorCode.None) return (batches, $"read at {offset}: {read.Error} {read.ErrorMessage}");
            var bytes = read.Records.Span;
            if (bytes.IsEmpty) break;
            while (bytes.Length >= RecordBatchHeader.HeaderSize)
            {
                var header = RecordBatchHeader.Read(bytes);
                var last = header.BaseOffset + header.LastOffsetDelta;
                batches.Add(new ReplicaBatch(header.BaseOffset, last, header.PartitionLeaderEpoch, header.Crc, header.BatchLength));
                offset = last + 1;
                bytes = bytes[(header.BatchLength + RecordBatchHeader.LogOverhead)..];
            }
        }
        return (batches, null);
    }

    /// <summary>Compares every replica of one partition with the first one listed (the reference).</summary>
    public static List<ReplicaDivergence> Compare(int partition, IReadOnlyList<(int Node, List<ReplicaBatch> Batches, string? Error)> replicas, long highWatermark)
    {
        var divergences = new List<ReplicaDivergence>();
        if (replicas.Count == 0) return divergences;
        var (referenceNode, reference, referenceError) = replicas[0];
        if (referenceError is not null) divergences.Add(new ReplicaDivergence(partition, referenceNode, referenceNode, 0, referenceError));
        foreach (var (node, batches, error) in replicas.Skip(1))
        {
            if (error is not null)
            {
                divergences.Add(new ReplicaDivergence(partition, referenceNode, node, batches.Count > 0 ? batches[^1].LastOffset + 1 : 0, error));
                continue;
            }
            var length = Math.Min(reference.Count, batches.Count);
            var differsAt = Enumerable.Range(0, length).FirstOrDefault(i => reference[i] != batches[i], -1);
            if (differsAt >= 0)
                divergences.Add(new ReplicaDivergence(partition, referenceNode, node, batches[differsAt].BaseOffset,
                    $"batch {batches[differsAt]} where the reference has {reference[differsAt]}"));
            else if (batches.Count != reference.Count || Reach(batches) < highWatermark)
                divergences.Add(new ReplicaDivergence(partition, referenceNode, node, Math.Min(Reach(batches), Reach(reference)),
                    $"log reaches {Reach(batches)}, the reference {Reach(reference)}, high watermark {highWatermark}"));
        }
        if (divergences.Count == 0 && Reach(reference) < highWatermark)
            divergences.Add(new ReplicaDivergence(partition, referenceNode, referenceNode, Reach(reference), $"every replica stops at {Reach(reference)}, below the high watermark {highWatermark}"));
        return divergences;
    }

    private static long Reach(List<ReplicaBatch> batches) => batches.Count == 0 ? 0 : batches[^1].LastOffset + 1;
}
