using System.Text;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Records;
using Fjord.Storage;

namespace Fjord.Integration.Tests.Harness;

/// <summary>One record batch as a replica stores it: offsets, the leader epoch that wrote it, its bytes and its values.</summary>
public sealed record StoredBatch(long BaseOffset, long LastOffset, int LeaderEpoch, byte[] Bytes, IReadOnlyList<string?> Values);

/// <summary>
/// Reads a stopped node's partition directory with Fjord.Storage, the way the broker would on start: the
/// log is opened (recovering a tail torn by SIGKILL) and every batch from the log start to the log end is
/// returned in offset order, with its records' values decoded as UTF-8. Only for directories no broker
/// has open. Stateless; thread-safe.
/// </summary>
public static class ReplicaLogs
{
    public static IReadOnlyList<StoredBatch> Read(string partitionDirectory)
    {
        if (!Directory.Exists(partitionDirectory))
        {
            throw new DirectoryNotFoundException($"no partition directory {partitionDirectory}");
        }

        using var log = PartitionLog.Open(partitionDirectory, LogConfig.Default);
        var batches = new List<StoredBatch>();
        var next = log.LogStartOffset;
        while (next < log.LogEndOffset)
        {
            using var read = log.Read(next, 1 << 20);
            if (read.Error != ErrorCode.None)
            {
                throw new InvalidDataException($"reading {partitionDirectory} at offset {next}: {read.Error} {read.ErrorMessage}");
            }

            var bytes = read.Records.Span;
            if (bytes.IsEmpty)
            {
                throw new InvalidDataException($"reading {partitionDirectory} at offset {next} returned nothing before the log end offset {log.LogEndOffset}");
            }

            while (bytes.Length >= RecordBatchHeader.HeaderSize)
            {
                var header = RecordBatchHeader.Read(bytes);
                var batch = bytes[..header.TotalSize];
                batches.Add(new StoredBatch(header.BaseOffset, header.LastOffset, header.PartitionLeaderEpoch, batch.ToArray(), Values(batch)));
                next = header.NextOffset;
                bytes = bytes[header.TotalSize..];
            }
        }

        return batches;
    }

    private static List<string?> Values(ReadOnlySpan<byte> batch)
    {
        var values = new List<string?>();
        using var reader = new RecordReader(batch);
        while (reader.TryReadNext(out var record))
        {
            values.Add(record.IsValueNull ? null : Encoding.UTF8.GetString(record.Value));
        }

        return values;
    }
}
