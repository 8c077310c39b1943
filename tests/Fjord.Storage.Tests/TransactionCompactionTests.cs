using System.Text;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Records;
using Fjord.Storage.Transactions;
using static Fjord.Storage.Tests.TransactionTests;

namespace Fjord.Storage.Tests;

public class TransactionCompactionTests
{
    private static readonly LogConfig Compacted = CompactionTests.Compacted;

    private static byte[] KeyedTxn(long pid, int seq, params (string Key, string Value)[] records)
    {
        using var builder = new RecordBatchBuilder { ProducerId = pid, ProducerEpoch = 0, BaseSequence = seq, IsTransactional = true };
        foreach (var (key, value) in records)
            builder.Append(1_000, Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));
        return builder.ToArray();
    }

    private static byte[] Keyed(string key, string value)
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(1_000, Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));
        return builder.ToArray();
    }

    // Appends plain records until the active segment starts after everything written so far.
    private static void RollPast(PartitionLog log)
    {
        long last = log.LogEndOffset - 1;
        while (log.SegmentBaseOffsets[^1] <= last)
            Ok(log.Append(Keyed("filler", new string('f', 300)), 0));
    }

    // Data records (key, value) and transaction markers (producer id, type) of the whole log, in offset order.
    private static (List<(long Offset, string Key, string Value)> Records, List<(long Offset, long ProducerId, ControlRecordType Type)> Markers) ReadLog(PartitionLog log)
    {
        var records = new List<(long, string, string)>();
        var markers = new List<(long, long, ControlRecordType)>();
        long offset = log.LogStartOffset;
        while (offset < log.LogEndOffset)
        {
            using var read = log.Read(offset, 1 << 20);
            Assert.Equal(ErrorCode.None, read.Error);
            var bytes = read.Records.ToArray();
            var span = bytes.AsSpan();
            while (span.Length > 0)
            {
                var header = RecordBatchHeader.Read(span);
                var batch = span[..header.TotalSize];
                Assert.Equal(header.Crc, RecordBatchHeader.ComputeCrc(batch));
                if (header.IsControl)
                {
                    if (EndTransactionMarker.TryRead(batch, out var marker))
                        markers.Add((header.BaseOffset, header.ProducerId, marker.Type));
                }
                else
                {
                    using var reader = new RecordReader(batch);
                    while (reader.TryReadNext(out Fjord.Protocol.Records.Record r))
                        records.Add((r.Offset, Encoding.UTF8.GetString(r.Key), Encoding.UTF8.GetString(r.Value)));
                }
                offset = header.NextOffset;
                span = span[header.TotalSize..];
            }
        }
        return (records, markers);
    }

    [Fact]
    public void Compact_AbortedTransaction_DropsItsRecordsThenItsMarkerAfterDeleteRetention()
    {
        using var dir = new TempLogDir();
        var clock = new ManualClock(1_000_000);
        using var log = PartitionLog.Open(dir.PartitionDir, Compacted, new PartitionLogOptions { TimeProvider = clock });
        Ok(log.Append(KeyedTxn(1, 0, ("k1", "committed"), ("k3", "committed")), 0)); // 0-1
        Ok(log.AppendTransactionMarker(1, 0, 0, commit: true, 0));                        // 2
        Ok(log.Append(KeyedTxn(2, 0, ("k1", "aborted"), ("k2", "aborted")), 0));        // 3-4
        Ok(log.Append(Keyed("k4", "plain"), 0));                                          // 5
        Ok(log.AppendTransactionMarker(2, 0, 0, commit: false, 0));                       // 6
        // Producer 2 writes on: the aborted batch is no longer its last, which Kafka keeps as an empty header.
        Ok(log.Append(KeyedTxn(2, 2, ("k5", "later")), 0));                                // 7
        Ok(log.AppendTransactionMarker(2, 0, 0, commit: true, 0));                        // 8
        RollPast(log);
        long firstFiller = 9;
        var kept = new List<(long, string, string)> { (0L, "k1", "committed"), (1L, "k3", "committed"), (5L, "k4", "plain"), (7L, "k5", "later") };

        Assert.NotNull(log.Compact(force: true));
        var (records, markers) = ReadLog(log);
        // The aborted k1 must not shadow the committed one; k2 existed only in the aborted transaction.
        Assert.Equal(kept, records.Where(r => r.Offset < firstFiller).ToList());
        Assert.Equal([(2L, 1L, ControlRecordType.Commit), (6L, 2L, ControlRecordType.Abort), (8L, 2L, ControlRecordType.Commit)], markers);
        // The abort marker is kept while the first pass removed its data, and so is its index entry.
        Assert.Equal([new AbortedTransaction(2, 3, 6, 7)], log.CollectAbortedTransactions(0, log.LogEndOffset));
        Assert.Single(Directory.GetFiles(dir.PartitionDir, "*.txnindex"));

        // Second pass: no data of the transaction is left, so the marker starts waiting for delete.retention.ms.
        log.Compact(force: true);
        Assert.Equal(3, ReadLog(log).Markers.Count);
        clock.Advance(Compacted.DeleteRetentionMs + 1);
        Assert.NotNull(log.Compact());
        (records, markers) = ReadLog(log);
        // The abort marker went; the commit markers stay while their transactions have records.
        Assert.Equal([(2L, 1L, ControlRecordType.Commit), (8L, 2L, ControlRecordType.Commit)], markers);
        Assert.Equal(kept, records.Where(r => r.Offset < firstFiller).ToList());
        Assert.Empty(log.CollectAbortedTransactions(0, log.LogEndOffset));
    }

    [Fact]
    public void Compact_CommittedMarker_IsKeptWhileItsTransactionHasRecords()
    {
        using var dir = new TempLogDir();
        var clock = new ManualClock(1_000_000);
        using var log = PartitionLog.Open(dir.PartitionDir, Compacted, new PartitionLogOptions { TimeProvider = clock });
        Ok(log.Append(KeyedTxn(1, 0, ("k1", "v1")), 0));
        Ok(log.AppendTransactionMarker(1, 0, 0, commit: true, 0));
        RollPast(log);
        log.Compact(force: true);
        clock.Advance(Compacted.DeleteRetentionMs + 1);
        log.Compact(force: true);
        var (records, markers) = ReadLog(log);
        Assert.Contains((0L, "k1", "v1"), records);
        Assert.Equal([(1L, 1L, ControlRecordType.Commit)], markers);
    }

    [Fact]
    public void Compact_OpenTransaction_NeverCleansAtOrAboveTheFirstUnstableOffset()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, Compacted);
        Ok(log.Append(Keyed("k", "old"), 0));
        RollPast(log);
        long open = log.LogEndOffset;
        Ok(log.Append(KeyedTxn(1, 0, ("k", "in-txn")), 0));
        for (int i = 0; i < 20; i++)
            Ok(log.Append(Keyed("k", "later-" + i + new string('x', 100)), 0));
        RollPast(log);
        Assert.Equal(open, log.LastStableOffset);

        var result = log.Compact(force: true);
        Assert.True(result is null || result.EndOffset <= open, $"cleaned up to {result?.EndOffset}, above the first unstable offset {open}");
        var (records, _) = ReadLog(log);
        Assert.Contains(records, r => r.Value == "in-txn");

        Ok(log.AppendTransactionMarker(1, 0, 0, commit: false, 0));
        RollPast(log);
        Assert.NotNull(log.Compact(force: true));
        (records, _) = ReadLog(log);
        Assert.DoesNotContain(records, r => r.Value == "in-txn");
        Assert.DoesNotContain(records, r => r.Value == "old");
    }

    [Fact]
    public void Compact_AbortedBatchIsProducersLast_LeavesAHeaderThatReplaysWithoutOpeningATransaction()
    {
        using var dir = new TempLogDir();
        var clock = new ManualClock(1_000_000);
        using (var log = PartitionLog.Open(dir.PartitionDir, Compacted, new PartitionLogOptions { TimeProvider = clock }))
        {
            Ok(log.Append(KeyedTxn(2, 0, ("k1", "aborted")), 0));      // 0
            Ok(log.AppendTransactionMarker(2, 0, 0, commit: false, 0));  // 1
            RollPast(log);
            log.Compact(force: true);
            log.Compact(force: true);
            clock.Advance(Compacted.DeleteRetentionMs + 1);
            log.Compact(force: true);
            var (records, markers) = ReadLog(log);
            Assert.Empty(markers);
            Assert.DoesNotContain(records, r => r.Value == "aborted");
            // The producer's sequence survives in the empty header, as for idempotent producers.
            Assert.Equal(0, log.GetActiveProducers().Single().LastSequence);
        }
        foreach (string snapshot in Directory.GetFiles(dir.PartitionDir, "*.snapshot"))
            File.Delete(snapshot);
        using var reopened = PartitionLog.Open(dir.PartitionDir, Compacted, new PartitionLogOptions { TimeProvider = clock, RecoveryPoint = 0 });
        Assert.Null(reopened.FirstUnstableOffset);
        Assert.Equal(reopened.HighWatermark, reopened.LastStableOffset);
        Assert.Equal(0, reopened.GetActiveProducers().Single().LastSequence);
    }

    [Fact]
    public void Compact_CrashAfterSwapCommit_ReopensWithTheCleanedTxnIndex()
    {
        using var dir = new TempLogDir();
        var clock = new ManualClock(1_000_000);
        var log = PartitionLog.Open(dir.PartitionDir, Compacted, new PartitionLogOptions { TimeProvider = clock });
        Ok(log.Append(KeyedTxn(2, 0, ("k1", "aborted")), 0));     // 0
        Ok(log.AppendTransactionMarker(2, 0, 0, commit: false, 0)); // 1
        Ok(log.Append(Keyed("k1", "plain"), 0));                     // 2
        RollPast(log);
        log.CompactionStepHook = step =>
        {
            if (step == Fjord.Storage.Cleaner.CompactionStep.SwapRenamed)
                throw new IOException("simulated crash after the swap's commit point");
        };
        Assert.Throws<IOException>(() => log.Compact(force: true));
        log.AbandonForCrashTest();

        using var reopened = PartitionLog.Open(dir.PartitionDir, Compacted, new PartitionLogOptions { TimeProvider = clock });
        Assert.Equal([new AbortedTransaction(2, 0, 1, 2)], reopened.CollectAbortedTransactions(0, reopened.LogEndOffset));
        Assert.Empty(Directory.GetFiles(dir.PartitionDir, "*.swap"));
        var (records, markers) = ReadLog(reopened);
        Assert.DoesNotContain(records, r => r.Value == "aborted");
        Assert.Single(markers);
    }
}
