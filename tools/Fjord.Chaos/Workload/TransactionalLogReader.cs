using Confluent.Kafka;

namespace Fjord.Chaos.Workload;

/// <summary>
/// The final read of a transactional run, after healing and after every producer stopped: waits (bounded) until each
/// partition's last stable offset equals its high watermark (no transaction left open; an open one past the deadline is
/// a hanging transaction), then reads every partition read_committed from the start to its last stable offset, ending a
/// partition on librdkafka's partition-EOF event (aborted records and markers leave gaps in the offsets). Single-use;
/// call from one thread.
/// </summary>
public static class TransactionalLogReader
{
    /// <summary>
    /// Offset and value of every committed record per partition, the high watermarks, and the partitions still unstable
    /// (LSO &lt; HW) at the end of <paramref name="stableWait"/>, with both offsets.
    /// </summary>
    /// <exception cref="TimeoutException">A partition could not be read to its last stable offset within <paramref name="timeout"/>.</exception>
    public static (Dictionary<int, List<(long Offset, string Value)>> Records, Dictionary<int, long> HighWatermarks, IReadOnlyList<string> Hanging) Read(
        string bootstrapServers, string topic, int partitions, TimeSpan stableWait, TimeSpan timeout)
    {
        using var committed = Build(bootstrapServers, IsolationLevel.ReadCommitted);
        using var uncommitted = Build(bootstrapServers, IsolationLevel.ReadUncommitted);
        var stableDeadline = DateTime.UtcNow + stableWait;
        var highWatermarks = new Dictionary<int, long>();
        var hanging = new List<string>();
        for (var p = 0; p < partitions; p++)
        {
            while (true)
            {
                var tp = new TopicPartition(topic, p);
                var lso = FinalLogReader.HighWatermark(committed, tp, stableDeadline + timeout);
                var hw = FinalLogReader.HighWatermark(uncommitted, tp, stableDeadline + timeout);
                highWatermarks[p] = hw;
                if (lso == hw) break;
                if (DateTime.UtcNow > stableDeadline)
                {
                    hanging.Add($"partition {p}: last stable offset {lso}, high watermark {hw}");
                    break;
                }
                Thread.Sleep(500);
            }
        }

        var deadline = DateTime.UtcNow + timeout;
        var records = Enumerable.Range(0, partitions).ToDictionary(p => p, _ => new List<(long, string)>());
        var next = Enumerable.Range(0, partitions).ToDictionary(p => p, _ => 0L);
        var done = new HashSet<int>();
        committed.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        while (done.Count < partitions)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("final read_committed read did not reach the end of partition(s) "
                    + string.Join(", ", Enumerable.Range(0, partitions).Where(p => !done.Contains(p)).Select(p => $"{p} (next offset {next[p]})")));
            try
            {
                if (committed.Consume(TimeSpan.FromMilliseconds(500)) is not { } result) continue;
                var partition = result.Partition.Value;
                if (result.IsPartitionEOF)
                {
                    done.Add(partition);
                    continue;
                }
                // A re-fetch after a reconnect may hand a position again: each offset is taken once.
                if (result.Offset.Value < next[partition]) continue;
                records[partition].Add((result.Offset.Value, result.Message.Value));
                next[partition] = result.Offset.Value + 1;
            }
            catch (ConsumeException e) when (!e.Error.IsFatal)
            {
                // Retried until the deadline; the TimeoutException above names what could not be read.
                Thread.Sleep(200);
            }
        }
        return (records, highWatermarks, hanging);
    }

    private static IConsumer<Ignore, string> Build(string bootstrapServers, IsolationLevel isolation) =>
        new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "chaos-txn-final-reader",
            IsolationLevel = isolation,
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).SetLogHandler((_, _) => { /* a healed cluster may still refuse a first connection; deadlines decide */ }).Build();
}
