using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Records;

namespace Fjord.Coordinator.Tests;

/// <summary>A __consumer_offsets stand-in: batches per partition in memory, offsets stamped like a log. Thread-safe via a lock.</summary>
internal sealed class InMemoryConsumerOffsetsLog : IConsumerOffsetsLog
{
    private readonly object _lock = new();
    private readonly Dictionary<int, List<byte[]>> _partitions = [];
    private readonly Dictionary<int, long> _next = [];

    public int? PartitionCount { get; private set; }

    public ErrorCode FailAppendsWith { get; set; }

    /// <summary>When set, each append is in the log but answered committed only when the returned task completes (a replicated partition).</summary>
    public Func<Task<ErrorCode>>? CommitWait { get; set; }

    public ErrorCode CreateTopic(int partitions)
    {
        lock (_lock)
        {
            PartitionCount ??= partitions;
            return ErrorCode.None;
        }
    }

    public ConsumerOffsetsAppend Append(int partition, ReadOnlyMemory<byte> batch, TransactionalProducer? transaction = null)
    {
        lock (_lock)
        {
            if (FailAppendsWith != ErrorCode.None)
            {
                return FailAppendsWith;
            }

            var header = RecordBatchHeader.Read(batch.Span);
            if (transaction is { } producer)
            {
                Assert.True(header.IsTransactional && header.ProducerId == producer.ProducerId && header.ProducerEpoch == producer.ProducerEpoch, "a transactional append must carry a transactional batch of its producer");
                if (FencedProducers.TryGetValue(producer.ProducerId, out var currentEpoch) && producer.ProducerEpoch < currentEpoch)
                {
                    // What the log's producer state answers a zombie.
                    return ErrorCode.InvalidProducerEpoch;
                }
            }
            else if (!header.IsControl)
            {
                Assert.False(header.IsTransactional, "a plain append must not be transactional");
            }

            var copy = batch.ToArray();
            var next = _next.GetValueOrDefault(partition);
            RecordBatchHeader.SetBaseOffset(copy, next);
            _next[partition] = next + RecordBatchHeader.Read(copy).LastOffsetDelta + 1;
            (_partitions.TryGetValue(partition, out var list) ? list : _partitions[partition] = []).Add(copy);
            return new ConsumerOffsetsAppend(ErrorCode.None, CommitWait?.Invoke());
        }
    }

    /// <summary>Producer id → the epoch the log has seen last; appends of older epochs fail as the log's producer state would refuse them.</summary>
    public Dictionary<long, short> FencedProducers { get; } = [];

    /// <summary>Appends a commit or abort marker of the producer, as WriteTxnMarkers does.</summary>
    public void AppendMarker(int partition, long producerId, short producerEpoch, bool commit)
    {
        using var builder = new RecordBatchBuilder(CompressionType.None, 64)
        {
            IsControl = true,
            IsTransactional = true,
            ProducerId = producerId,
            ProducerEpoch = producerEpoch,
        };
        builder.AppendEndTransactionMarker(0, commit ? ControlRecordType.Commit : ControlRecordType.Abort, 0);
        Assert.Equal(ErrorCode.None, Append(partition, builder.ToArray()).Error);
    }

    public ConsumerOffsetsChunk Read(int partition, long fromOffset, int maxBytes)
    {
        lock (_lock)
        {
            var highWatermark = _next.GetValueOrDefault(partition);
            var bytes = new List<byte>();
            foreach (var batch in _partitions.GetValueOrDefault(partition) ?? [])
            {
                var header = RecordBatchHeader.Read(batch);
                if (header.LastOffset < fromOffset)
                {
                    continue;
                }

                // Two batches per read at most, so loading takes several steps.
                if (bytes.Count > 0 && bytes.Count + batch.Length > Math.Min(maxBytes, 200))
                {
                    break;
                }

                bytes.AddRange(batch);
            }

            return new ConsumerOffsetsChunk(ErrorCode.None, bytes.ToArray(), highWatermark);
        }
    }

    public int BatchCount(int partition)
    {
        lock (_lock)
        {
            return _partitions.GetValueOrDefault(partition)?.Count ?? 0;
        }
    }
}
