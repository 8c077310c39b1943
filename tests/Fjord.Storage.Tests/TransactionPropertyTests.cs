using Fjord.Protocol.Errors;
using Fjord.Storage.Transactions;
using FsCheck.Xunit;
using static Fjord.Storage.Tests.TransactionTests;

namespace Fjord.Storage.Tests;

public class TransactionPropertyTests
{
    // A simple model of Kafka's rules: per producer the open transaction's first offset; every abort with
    // the last stable offset of its moment; completed transactions stay unstable until the high watermark passes
    // their marker.
    private sealed class Model
    {
        public readonly Dictionary<long, long> Open = [];
        public readonly List<AbortedTransaction> Aborted = [];
        public readonly List<(long First, long Marker)> Unreplicated = [];

        public long FirstUnstable(long highWatermark)
        {
            long first = long.MaxValue;
            foreach (long o in Open.Values)
                first = Math.Min(first, o);
            foreach (var (f, marker) in Unreplicated)
            {
                if (marker >= highWatermark)
                    first = Math.Min(first, f);
            }
            return first;
        }
    }

    /// <summary>
    /// Each op is decoded as kind (transactional data, idempotent data, commit, abort, plain data, high-watermark move),
    /// producer (4) and an amount. After every op the log's LSO and aborted transactions equal the model's; at the end
    /// range queries and a crash-and-reopen agree too.
    /// </summary>
    [Property(MaxTest = 40)]
    public bool Interleavings_OfTransactionalIdempotentAndMarkerAppends_MatchTheModel(int[] ops)
    {
        using var dir = new TempLogDir();
        var log = PartitionLog.Open(dir.PartitionDir, Small, new PartitionLogOptions { AdvanceHighWatermarkOnAppend = false });
        var model = new Model();
        var sequences = new int[4];
        try
        {
            foreach (int op in ops)
            {
                int kind = (int)((uint)op % 6);
                long pid = (uint)op / 6 % 4;
                int amount = 1 + (int)((uint)op / 24 % 3);
                long leo = log.LogEndOffset;
                switch (kind)
                {
                    case 0:
                        Ok(log.Append(Txn(pid, 0, sequences[pid], amount), 0));
                        sequences[pid] += amount;
                        model.Open.TryAdd(pid, leo);
                        break;
                    case 1:
                        var idempotent = log.Append(Idempotent(pid, 0, sequences[pid], amount), 0);
                        if (model.Open.ContainsKey(pid))
                        {
                            Assert.Equal(ErrorCode.InvalidTxnState, idempotent.Error);
                        }
                        else
                        {
                            Ok(idempotent);
                            sequences[pid] += amount;
                        }
                        break;
                    case 2:
                    case 3:
                        bool commit = kind == 2;
                        Ok(log.AppendTransactionMarker(pid, 0, 0, commit, 0));
                        if (model.Open.Remove(pid, out long first))
                        {
                            long lastStable = model.Open.Count == 0 ? leo + 1 : model.Open.Values.Min();
                            if (!commit)
                                model.Aborted.Add(new AbortedTransaction(pid, first, leo, lastStable));
                            model.Unreplicated.Add((first, leo));
                        }
                        break;
                    case 4:
                        Ok(log.Append(TestBatches.Batch(amount), 0));
                        break;
                    default:
                        long hw = log.HighWatermark;
                        log.UpdateHighWatermark(hw + (log.LogEndOffset - hw) * amount / 3);
                        break;
                }
                long highWatermark = log.HighWatermark;
                Assert.True(log.LastStableOffset <= highWatermark, $"LSO {log.LastStableOffset} above HW {highWatermark}");
                Assert.Equal(Math.Min(model.FirstUnstable(highWatermark), highWatermark), log.LastStableOffset);
                Assert.Equal(model.Aborted, log.CollectAbortedTransactions(0, log.LogEndOffset));
            }

            long end = log.LogEndOffset;
            for (long start = 0; start < end; start += 1 + end / 7)
            {
                for (long upper = start + 1; upper <= end; upper += 1 + end / 5)
                {
                    var expected = model.Aborted.Where(t => t.LastOffset >= start && t.FirstOffset < upper).ToList();
                    var actual = log.CollectAbortedTransactions(start, upper);
                    // Kafka's search may stop early only once an entry's last stable offset passes the bound, so every
                    // overlapping entry it returns is expected and none is missed.
                    Assert.Equal(expected, actual);
                }
            }

            // Crash with everything replicated, reopen: the same open transactions and aborted ones.
            log.UpdateHighWatermark(end);
            log.AbandonForCrashTest();
            log = PartitionLog.Open(dir.PartitionDir, Small, new PartitionLogOptions { AdvanceHighWatermarkOnAppend = false, HighWatermark = end });
            Assert.Equal(Math.Min(model.FirstUnstable(end), end), log.LastStableOffset);
            Assert.Equal(model.Aborted, log.CollectAbortedTransactions(0, end));
            foreach (var producer in log.GetActiveProducers())
                Assert.Equal(model.Open.TryGetValue(producer.ProducerId, out long o) ? o : -1, producer.CurrentTxnStartOffset);
            return true;
        }
        finally
        {
            log.Dispose();
        }
    }
}
