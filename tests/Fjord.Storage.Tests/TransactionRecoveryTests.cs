using Fjord.Protocol.Errors;
using Fjord.Storage.Transactions;
using static Fjord.Storage.Tests.TransactionTests;

namespace Fjord.Storage.Tests;

public class TransactionRecoveryTests
{
    private sealed record Written(long OpenTxnStart, List<AbortedTransaction> Aborted, long LogEndOffset);

    // Over several segments: producer 1 commits, producer 2 aborts (twice), producer 3 leaves a transaction open,
    // interleaved with plain data; then the log is dropped as kill -9 would leave it.
    private static Written WriteAndCrash(string dir, LogConfig config)
    {
        var log = PartitionLog.Open(dir, config);
        var aborted = new List<AbortedTransaction>();
        int seq1 = 0, seq2 = 0;
        for (int round = 0; round < 6; round++)
        {
            long first2 = log.LogEndOffset;
            Ok(log.Append(Txn(2, 0, seq2, records: 3), 0));
            seq2 += 3;
            Ok(log.Append(Txn(1, 0, seq1), 0));
            seq1 += 2;
            Ok(log.Append(TestBatches.Batch(4, valueSize: 40), 0));
            Ok(log.AppendTransactionMarker(1, 0, 0, commit: true, 0));
            if (round % 3 == 0)
            {
                var marker = log.AppendTransactionMarker(2, 0, 0, commit: false, 0);
                Ok(marker);
                aborted.Add(new AbortedTransaction(2, first2, marker.BaseOffset, marker.BaseOffset + 1));
            }
            else
            {
                Ok(log.AppendTransactionMarker(2, 0, 0, commit: true, 0));
            }
        }
        long open = log.LogEndOffset;
        Ok(log.Append(Txn(3, 0, 0), 0));
        Ok(log.Append(Txn(1, 0, seq1), 0));
        var last = log.AppendTransactionMarker(1, 0, 0, commit: false, 0);
        Ok(last);
        // Producer 3 is still open, so this entry's last stable offset is its start.
        aborted.Add(new AbortedTransaction(1, last.BaseOffset - 2, last.BaseOffset, open));
        Ok(log.Append(TestBatches.Batch(2), 0));
        Assert.True(log.SegmentCount >= 3, $"only {log.SegmentCount} segments");
        Assert.Equal(open, log.LastStableOffset);
        Assert.Equal(aborted, log.CollectAbortedTransactions(0, log.LogEndOffset));
        long leo = log.LogEndOffset;
        log.AbandonForCrashTest();
        return new Written(open, aborted, leo);
    }

    private static void AssertRecovered(PartitionLog log, Written written)
    {
        Assert.Equal(written.LogEndOffset, log.LogEndOffset);
        Assert.Equal(written.OpenTxnStart, log.LastStableOffset);
        Assert.Equal(written.Aborted, log.CollectAbortedTransactions(0, log.LogEndOffset));
        Assert.Equal(written.OpenTxnStart, log.GetActiveProducers().Single(p => p.ProducerId == 3).CurrentTxnStartOffset);
        // The marker that arrives after the restart closes the right transaction.
        var marker = log.AppendTransactionMarker(3, 0, 0, commit: false, 0);
        Ok(marker);
        Assert.Equal(log.LogEndOffset, log.LastStableOffset);
        Assert.Equal(new AbortedTransaction(3, written.OpenTxnStart, marker.BaseOffset, marker.BaseOffset + 1),
            log.CollectAbortedTransactions(0, log.LogEndOffset)[^1]);
    }

    [Fact]
    public void Open_AfterCrashWithSnapshots_RestoresLastStableOffsetAndAbortedTransactions()
    {
        using var dir = new TempLogDir();
        var written = WriteAndCrash(dir.PartitionDir, Small);
        Assert.NotEmpty(Directory.GetFiles(dir.PartitionDir, "*.snapshot"));
        using var log = PartitionLog.Open(dir.PartitionDir, Small);
        AssertRecovered(log, written);
    }

    [Fact]
    public void Open_AfterCrashWithoutSnapshots_RebuildsTransactionsFromTheLog()
    {
        using var dir = new TempLogDir();
        var written = WriteAndCrash(dir.PartitionDir, Small);
        foreach (string snapshot in Directory.GetFiles(dir.PartitionDir, "*.snapshot"))
            File.Delete(snapshot);
        using var log = PartitionLog.Open(dir.PartitionDir, Small);
        AssertRecovered(log, written);
    }

    [Fact]
    public void Open_AfterCrashWithLostTxnIndexes_RebuildsThemForRecoveredSegments()
    {
        using var dir = new TempLogDir();
        var written = WriteAndCrash(dir.PartitionDir, Small);
        foreach (string index in Directory.GetFiles(dir.PartitionDir, "*.txnindex"))
            File.Delete(index);
        using var log = PartitionLog.Open(dir.PartitionDir, Small, new PartitionLogOptions { RecoveryPoint = 0 });
        AssertRecovered(log, written);
    }

    [Fact]
    public void Open_AfterCleanShutdown_LoadsOpenTransactionFromSnapshot()
    {
        using var dir = new TempLogDir();
        var written = WriteAndCrash(dir.PartitionDir, Small);
        using (var reopened = PartitionLog.Open(dir.PartitionDir, Small))
        {
        }
        // Only the snapshot at the log end offset, written by Dispose, knows producer 3's transaction without a replay.
        Assert.True(File.Exists(Path.Combine(dir.PartitionDir, $"{written.LogEndOffset:D20}.snapshot")));
        using var log = PartitionLog.Open(dir.PartitionDir, Small, new PartitionLogOptions { HadCleanShutdown = true });
        AssertRecovered(log, written);
    }

    [Fact]
    public void Open_TornAbortMarker_DropsItsIndexEntryAndKeepsTheTransactionOpen()
    {
        using var dir = new TempLogDir();
        long first, markerOffset;
        {
            var log = PartitionLog.Open(dir.PartitionDir, Small);
            Ok(log.Append(TestBatches.Batch(2), 0));
            first = log.LogEndOffset;
            Ok(log.Append(Txn(9, 0, 0), 0));
            markerOffset = log.AppendTransactionMarker(9, 0, 0, commit: false, 0).BaseOffset;
            Assert.Single(log.CollectAbortedTransactions(0, 100));
            log.AbandonForCrashTest();
        }
        string segment = dir.LogFiles()[^1];
        using (var f = File.OpenWrite(segment))
            f.SetLength(f.Length - 3);

        using var reopened = PartitionLog.Open(dir.PartitionDir, Small);
        Assert.Equal(markerOffset, reopened.LogEndOffset);
        Assert.Empty(reopened.CollectAbortedTransactions(0, 100));
        Assert.Equal(first, reopened.LastStableOffset);
        Assert.Empty(Directory.GetFiles(dir.PartitionDir, "*.txnindex"));
        Ok(reopened.AppendTransactionMarker(9, 0, 0, commit: true, 0));
        Assert.Equal(reopened.LogEndOffset, reopened.LastStableOffset);
    }

    [Fact]
    public void Open_OrphanTxnIndex_IsDeleted()
    {
        using var dir = new TempLogDir();
        using (var log = PartitionLog.Open(dir.PartitionDir, Small))
            Ok(log.Append(TestBatches.Batch(1), 0));
        string orphan = Path.Combine(dir.PartitionDir, "00000000000000000500.txnindex");
        File.WriteAllBytes(orphan, new byte[34]);
        using var reopened = PartitionLog.Open(dir.PartitionDir, Small, new PartitionLogOptions { HadCleanShutdown = true });
        Assert.False(File.Exists(orphan));
        Assert.Equal(ErrorCode.None, reopened.Append(TestBatches.Batch(1), 0).Error);
    }
}
