using System.Buffers.Binary;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Records;
using Fjord.Storage.Transactions;

namespace Fjord.Storage.Tests;

public class TransactionTests
{
    internal static readonly LogConfig Small = LogConfig.Default with { SegmentBytes = 1024, IndexIntervalBytes = 128, FileDeleteDelayMs = 0 };

    /// <summary>A transactional data batch of <paramref name="records"/> records.</summary>
    internal static byte[] Txn(long pid, short epoch, int seq, int records = 2) =>
        TestBatches.Batch(records, producerId: pid, producerEpoch: epoch, baseSequence: seq, transactional: true);

    internal static byte[] Idempotent(long pid, short epoch, int seq, int records = 2) =>
        TestBatches.Batch(records, producerId: pid, producerEpoch: epoch, baseSequence: seq);

    internal static void Ok(LogAppendResult result) => Assert.True(result.Error == ErrorCode.None, $"{result.Error}: {result.ErrorMessage}");

    [Fact]
    public void Append_TransactionalBatch_OpensTransactionAtItsBaseOffset()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        Ok(log.Append(TestBatches.Batch(3), 0));
        Ok(log.Append(Txn(7, 0, 0), 0));
        Ok(log.Append(Txn(7, 0, 2), 0));

        Assert.Equal(7, log.HighWatermark);
        Assert.Equal(3, log.LastStableOffset);
        Assert.Equal(3, log.FirstUnstableOffset);
        var producer = Assert.Single(log.GetActiveProducers());
        Assert.Equal(new ActiveProducer(7, 0, 3, 1_001, -1, 3), producer);
        Assert.Equal(1, log.OngoingTransactionCount);
    }

    [Fact]
    public void LastStableOffset_NoTransactions_EqualsHighWatermark()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        Ok(log.Append(TestBatches.Batch(3), 0));
        Ok(log.Append(Idempotent(1, 0, 0), 0));
        Assert.Equal(5, log.LastStableOffset);
        Assert.Null(log.FirstUnstableOffset);
    }

    [Fact]
    public void LastStableOffset_InterleavedProducers_IsTheOldestOpenTransactionStart()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        Ok(log.Append(Txn(1, 0, 0), 0));          // 0-1, txn of 1 from 0
        Ok(log.Append(Txn(2, 0, 0), 0));          // 2-3, txn of 2 from 2
        Ok(log.Append(Txn(1, 0, 2), 0));          // 4-5
        Ok(log.Append(TestBatches.Batch(1), 0));  // 6
        Assert.Equal(0, log.LastStableOffset);

        Ok(log.AppendTransactionMarker(1, 0, 0, commit: true, 0)); // 7
        Assert.Equal(2, log.LastStableOffset);
        Ok(log.Append(Txn(1, 0, 4), 0));          // 8-9: a new transaction of 1 from 8
        Assert.Equal(2, log.LastStableOffset);
        Ok(log.AppendTransactionMarker(2, 0, 0, commit: false, 0)); // 10
        Assert.Equal(8, log.LastStableOffset);
        Ok(log.AppendTransactionMarker(1, 0, 0, commit: true, 0)); // 11
        Assert.Equal(12, log.LastStableOffset);
        Assert.Equal(12, log.HighWatermark);
        Assert.Equal(0, log.OngoingTransactionCount);
    }

    [Fact]
    public void LastStableOffset_MarkerAboveHighWatermark_StaysAtTransactionStartUntilMarkerReplicated()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default, new PartitionLogOptions { AdvanceHighWatermarkOnAppend = false });
        Ok(log.Append(TestBatches.Batch(2), 0));  // 0-1
        Ok(log.Append(Txn(1, 0, 0), 0));          // 2-3
        Assert.Equal(0, log.LastStableOffset);    // capped by the high watermark
        log.UpdateHighWatermark(3);
        Assert.Equal(2, log.LastStableOffset);
        Ok(log.AppendTransactionMarker(1, 0, 0, commit: true, 0)); // 4
        log.UpdateHighWatermark(4);
        Assert.Equal(2, log.LastStableOffset);    // Kafka: unstable until the marker is below the high watermark
        log.UpdateHighWatermark(5);
        Assert.Equal(5, log.LastStableOffset);
    }

    [Fact]
    public void AppendTransactionMarker_Abort_WritesControlBatchAndTxnIndexEntry()
    {
        using var dir = new TempLogDir();
        var clock = new ManualClock(1_700_000_000_000);
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default, new PartitionLogOptions { TimeProvider = clock });
        Ok(log.Append(Txn(5, 3, 0), 0));         // 0-1
        Ok(log.Append(Txn(6, 0, 0), 0));         // 2-3
        var result = log.AppendTransactionMarker(5, 3, 9, commit: false, leaderEpoch: 4);
        Ok(result);
        Assert.Equal(4, result.BaseOffset);
        Assert.Equal(4, result.LastOffset);

        using (var read = log.Read(4, 1000))
        {
            var bytes = read.Records.ToArray();
            var header = RecordBatchHeader.Read(bytes);
            Assert.True(header.IsControl);
            Assert.True(header.IsTransactional);
            Assert.Equal(5, header.ProducerId);
            Assert.Equal(3, header.ProducerEpoch);
            Assert.Equal(RecordBatchHeader.NoSequence, header.BaseSequence);
            Assert.Equal(4, header.PartitionLeaderEpoch);
            Assert.Equal(1_700_000_000_000, header.MaxTimestamp);
            Assert.Equal(header.Crc, RecordBatchHeader.ComputeCrc(bytes));
            Assert.True(EndTransactionMarker.TryRead(bytes, out var marker));
            Assert.Equal(new EndTransactionMarker(ControlRecordType.Abort, 9), marker);
        }

        // Producer 6 is still open from offset 2: that is the last stable offset the entry records.
        var expected = new AbortedTransaction(5, 0, 4, 2);
        Assert.Equal([expected], log.CollectAbortedTransactions(0, log.LogEndOffset));
        byte[] file = File.ReadAllBytes(Path.Combine(dir.PartitionDir, "00000000000000000000.txnindex"));
        Assert.Equal(34, file.Length);
        Assert.Equal(0, BinaryPrimitives.ReadInt16BigEndian(file));
        Assert.Equal(5, BinaryPrimitives.ReadInt64BigEndian(file.AsSpan(2)));
        Assert.Equal(0, BinaryPrimitives.ReadInt64BigEndian(file.AsSpan(10)));
        Assert.Equal(4, BinaryPrimitives.ReadInt64BigEndian(file.AsSpan(18)));
        Assert.Equal(2, BinaryPrimitives.ReadInt64BigEndian(file.AsSpan(26)));
        var producer = log.GetActiveProducers()[0];
        Assert.Equal(9, producer.CoordinatorEpoch);
        Assert.Equal(-1, producer.CurrentTxnStartOffset);
    }

    [Fact]
    public void AppendTransactionMarker_Commit_WritesNoTxnIndexEntry()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        Ok(log.Append(Txn(5, 0, 0), 0));
        Ok(log.AppendTransactionMarker(5, 0, 1, commit: true, 0));
        Assert.Empty(log.CollectAbortedTransactions(0, log.LogEndOffset));
        Assert.Empty(Directory.GetFiles(dir.PartitionDir, "*.txnindex"));
        Assert.Equal(3, log.LastStableOffset);
    }

    [Fact]
    public void AppendTransactionMarker_WithoutOpenTransaction_IsWrittenAndChangesNothingElse()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        Ok(log.AppendTransactionMarker(5, 0, 1, commit: false, 0));
        Assert.Equal(1, log.LogEndOffset);
        Assert.Empty(log.CollectAbortedTransactions(0, 1));
        Assert.Equal(1, log.GetActiveProducers()[0].CoordinatorEpoch);
    }

    [Fact]
    public void AppendTransactionMarker_OlderProducerEpoch_IsInvalidProducerEpoch()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        Ok(log.Append(Txn(5, 2, 0), 0));
        var fenced = log.AppendTransactionMarker(5, 1, 0, commit: true, 0);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, fenced.Error);
        Assert.Equal(2, log.LogEndOffset);
        Assert.Equal(0, log.LastStableOffset);
        // The coordinator's bumped epoch (an abort after a fence) is accepted.
        Ok(log.AppendTransactionMarker(5, 3, 0, commit: false, 0));
        Assert.Equal(3, log.LastStableOffset);
        Assert.Equal(3, log.GetActiveProducers()[0].ProducerEpoch);
    }

    [Fact]
    public void AppendTransactionMarker_OlderCoordinatorEpoch_IsTransactionCoordinatorFenced()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        Ok(log.Append(Txn(5, 0, 0), 0));
        Ok(log.AppendTransactionMarker(5, 0, 4, commit: true, 0));
        Ok(log.Append(Txn(5, 0, 2), 0));
        var fenced = log.AppendTransactionMarker(5, 0, 3, commit: false, 0);
        Assert.Equal(ErrorCode.TransactionCoordinatorFenced, fenced.Error);
        Assert.Equal(3, log.LastStableOffset);
        Ok(log.AppendTransactionMarker(5, 0, 4, commit: false, 0));
        Assert.Equal(6, log.LastStableOffset);
    }

    [Fact]
    public void Append_TransactionalDataWithOlderEpoch_IsInvalidProducerEpoch()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        Ok(log.Append(Txn(5, 1, 0), 0));
        Assert.Equal(ErrorCode.InvalidProducerEpoch, log.Append(Txn(5, 0, 2), 0).Error);
        Assert.Equal(2, log.LogEndOffset);
    }

    [Fact]
    public void Append_NonTransactionalBatchWhileTransactionOpen_IsInvalidTxnState()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        Ok(log.Append(Txn(5, 0, 0), 0));
        Assert.Equal(ErrorCode.InvalidTxnState, log.Append(Idempotent(5, 0, 2), 0).Error);
        Ok(log.AppendTransactionMarker(5, 0, 0, commit: true, 0));
        Ok(log.Append(Idempotent(5, 0, 2), 0));
    }

    [Fact]
    public void Append_TransactionAndMarkerInOneAppend_AreCheckedInOrder()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, LogConfig.Default);
        byte[] marker = new EndTransactionMarker(ControlRecordType.Abort, 0).ToBatch(5, 0, 1_000);
        Ok(log.Append(TestBatches.Concat(Txn(5, 0, 0), marker, Txn(5, 0, 2)), 0));
        Assert.Equal([new AbortedTransaction(5, 0, 2, 3)], log.CollectAbortedTransactions(0, 10));
        Assert.Equal(3, log.LastStableOffset);
        Assert.Equal(3, log.GetActiveProducers()[0].CurrentTxnStartOffset);
    }

    [Fact]
    public void CollectAbortedTransactions_AcrossSegments_ReturnsOverlappingEntriesOnly()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, Small);
        var expected = new List<AbortedTransaction>();
        for (int i = 0; i < 30; i++)
        {
            long first = log.LogEndOffset;
            Ok(log.Append(Txn(100 + i, 0, 0, records: 3), 0));
            Ok(log.Append(TestBatches.Batch(2), 0));
            var marker = log.AppendTransactionMarker(100 + i, 0, 0, commit: i % 3 != 0, 0);
            Ok(marker);
            if (i % 3 == 0)
                expected.Add(new AbortedTransaction(100 + i, first, marker.BaseOffset, marker.BaseOffset + 1));
        }
        Assert.True(log.SegmentCount > 3, $"only {log.SegmentCount} segments");
        Assert.Equal(expected, log.CollectAbortedTransactions(0, log.LogEndOffset));
        for (long start = 0; start < log.LogEndOffset; start += 7)
        {
            for (long end = start + 1; end <= log.LogEndOffset; end += 11)
            {
                var want = expected.Where(t => t.LastOffset >= start && t.FirstOffset < end).ToList();
                Assert.Equal(want, log.CollectAbortedTransactions(start, end));
            }
        }
    }

    [Fact]
    public void AppendAsFollower_ReplicatedTransactions_KeepsTheLeadersBookkeeping()
    {
        using var leaderDir = new TempLogDir();
        using var followerDir = new TempLogDir();
        using var leader = PartitionLog.Open(leaderDir.PartitionDir, Small);
        using var follower = PartitionLog.Open(followerDir.PartitionDir, Small, new PartitionLogOptions { AdvanceHighWatermarkOnAppend = false });
        Ok(leader.Append(Txn(1, 0, 0), 0));
        Ok(leader.Append(Txn(2, 0, 0), 0));
        Ok(leader.AppendTransactionMarker(1, 0, 3, commit: false, 0));
        Ok(leader.Append(Txn(3, 0, 0), 0));
        Ok(leader.AppendTransactionMarker(2, 0, 3, commit: true, 0));
        Ok(leader.Append(Idempotent(4, 0, 0), 0));

        long offset = 0;
        while (offset < leader.LogEndOffset)
        {
            using var read = leader.Read(offset, 100);
            var bytes = read.Records.ToArray();
            Ok(follower.AppendAsFollower(new System.Buffers.ReadOnlySequence<byte>(bytes)));
            offset = follower.LogEndOffset;
        }
        follower.UpdateHighWatermark(follower.LogEndOffset);

        Assert.Equal(leader.LogEndOffset, follower.LogEndOffset);
        Assert.Equal(leader.LastStableOffset, follower.LastStableOffset);
        Assert.Equal(5, follower.LastStableOffset);
        Assert.Equal(leader.CollectAbortedTransactions(0, 100), follower.CollectAbortedTransactions(0, 100));
        Assert.Single(follower.CollectAbortedTransactions(0, 100));
        Assert.Equal(leader.GetActiveProducers(), follower.GetActiveProducers());
    }

    [Fact]
    public void TruncateTo_BelowOpenTransactionStart_ClosesNothingAndDropsTheTransaction()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, Small);
        Ok(log.Append(TestBatches.Batch(2), 0));  // 0-1
        Ok(log.Append(Txn(1, 0, 0), 0));          // 2-3
        Assert.Equal(2, log.LastStableOffset);
        Assert.Equal(ErrorCode.None, log.TruncateTo(2));
        Assert.Equal(2, log.LastStableOffset);
        Assert.Null(log.FirstUnstableOffset);
        Assert.Equal(0, log.OngoingTransactionCount);
    }

    [Fact]
    public void TruncateTo_BelowAbortMarker_RemovesItsIndexEntryAndReopensTheTransaction()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, Small);
        Ok(log.Append(Txn(1, 0, 0), 0));                            // 0-1
        Ok(log.AppendTransactionMarker(1, 0, 0, commit: false, 0)); // 2
        Ok(log.Append(Txn(2, 0, 0), 0));                            // 3-4
        Ok(log.AppendTransactionMarker(2, 0, 0, commit: false, 0)); // 5
        Assert.Equal(2, log.CollectAbortedTransactions(0, 10).Count);

        Assert.Equal(ErrorCode.None, log.TruncateTo(5));
        Assert.Equal([new AbortedTransaction(1, 0, 2, 3)], log.CollectAbortedTransactions(0, 10));
        Assert.Equal(3, log.LastStableOffset);
        Assert.Equal(3, log.GetActiveProducers().Single(p => p.ProducerId == 2).CurrentTxnStartOffset);
        Assert.Equal(34, new FileInfo(Path.Combine(dir.PartitionDir, "00000000000000000000.txnindex")).Length);

        // The transaction is closed again by the marker the new leader sends.
        Ok(log.AppendTransactionMarker(2, 0, 0, commit: true, 0));
        Assert.Equal(6, log.LastStableOffset);
    }

    [Fact]
    public void TruncateFullyAndStartAt_WithTransactions_ForgetsThemAll()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, Small);
        Ok(log.Append(Txn(1, 0, 0), 0));
        Ok(log.AppendTransactionMarker(1, 0, 0, commit: false, 0));
        Ok(log.Append(Txn(2, 0, 0), 0));
        Assert.Equal(ErrorCode.None, log.TruncateFullyAndStartAt(100));
        Assert.Equal(100, log.LastStableOffset);
        Assert.Empty(log.CollectAbortedTransactions(100, 200));
    }

    [Fact]
    public void DeleteRecordsBefore_SegmentWithTxnIndex_DeletesTheTxnIndexWithIt()
    {
        using var dir = new TempLogDir();
        using var log = PartitionLog.Open(dir.PartitionDir, Small);
        Ok(log.Append(Txn(1, 0, 0, records: 5), 0));
        Ok(log.AppendTransactionMarker(1, 0, 0, commit: false, 0));
        while (log.SegmentCount < 3)
            Ok(log.Append(TestBatches.Batch(5, valueSize: 50), 0));
        string txnIndex = Path.Combine(dir.PartitionDir, "00000000000000000000.txnindex");
        Assert.True(File.Exists(txnIndex));

        var (error, low) = log.DeleteRecordsBefore(log.SegmentBaseOffsets[1]);
        Assert.Equal(ErrorCode.None, error);
        log.RunMaintenance();
        Assert.False(File.Exists(txnIndex), "the .txnindex of the deleted segment is still there");
        Assert.Empty(Directory.GetFiles(dir.PartitionDir, "*.deleted"));
        Assert.Empty(log.CollectAbortedTransactions(low, log.LogEndOffset));
    }

    [Fact]
    public void DeleteOldSegments_RetentionMsExceeded_DeletesSegmentAndTxnIndex()
    {
        using var dir = new TempLogDir();
        var clock = new ManualClock(1_000_000);
        var config = Small with { RetentionMs = 60_000 };
        using var log = PartitionLog.Open(dir.PartitionDir, config, new PartitionLogOptions { TimeProvider = clock });
        Ok(log.Append(TestBatches.Batch(3, baseTimestamp: 1_000_000, producerId: 1, producerEpoch: 0, baseSequence: 0, transactional: true), 0));
        Ok(log.AppendTransactionMarker(1, 0, 0, commit: false, 0));
        while (log.SegmentCount < 2)
            Ok(log.Append(TestBatches.Batch(5, baseTimestamp: 1_000_000, valueSize: 50), 0));
        clock.Advance(120_000);
        Ok(log.Append(TestBatches.Batch(1, baseTimestamp: clock.NowMs), 0));
        Assert.True(log.DeleteOldSegments() >= 1);
        log.RunMaintenance();
        Assert.Empty(Directory.GetFiles(dir.PartitionDir, "*.txnindex*"));
    }

    [Fact]
    public void RemoveExpired_ProducerWithOpenTransaction_IsKept()
    {
        var manager = new ProducerStateManager();
        manager.Replay(RecordBatchHeader.Read(Txn(1, 0, 0)));
        manager.Replay(RecordBatchHeader.Read(Idempotent(2, 0, 0)));
        Assert.Equal(1, manager.RemoveExpired(nowMs: 1_000_000_000, expirationMs: 1));
        Assert.NotNull(manager.GetEntry(1));
    }

    [Fact]
    public void TryLoadSnapshot_Version1_IsReadWithoutTransactions()
    {
        // Version 1: version, count, then id, epoch, batch count and batches; CRC-32C last.
        var bytes = new byte[8 + 14 + 32 + 4];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span, 1);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], 1);
        BinaryPrimitives.WriteInt64BigEndian(span[8..], 77);
        BinaryPrimitives.WriteInt16BigEndian(span[16..], 3);
        BinaryPrimitives.WriteInt32BigEndian(span[18..], 1);
        BinaryPrimitives.WriteInt32BigEndian(span[22..], 0);
        BinaryPrimitives.WriteInt32BigEndian(span[26..], 4);
        BinaryPrimitives.WriteInt64BigEndian(span[30..], 10);
        BinaryPrimitives.WriteInt64BigEndian(span[38..], 14);
        BinaryPrimitives.WriteInt64BigEndian(span[46..], 5_000);
        BinaryPrimitives.WriteUInt32BigEndian(span[54..], Crc32C.Compute(span[..54]));

        var manager = new ProducerStateManager();
        Assert.True(manager.TryLoadSnapshot(bytes));
        var entry = manager.GetEntry(77)!;
        Assert.Equal(3, entry.ProducerEpoch);
        Assert.Equal(4, entry.LastSequence);
        Assert.Equal(-1, entry.CoordinatorEpoch);
        Assert.Null(entry.CurrentTxnFirstOffset);

        // Written back it is version 2 and round-trips with transaction state.
        manager.Replay(RecordBatchHeader.Read(Txn(77, 3, 5)));
        var again = new ProducerStateManager();
        Assert.True(again.TryLoadSnapshot(manager.WriteSnapshot()));
        Assert.Equal(2, BinaryPrimitives.ReadInt32BigEndian(manager.WriteSnapshot()));
        Assert.Equal(0, again.GetEntry(77)!.CurrentTxnFirstOffset);
        Assert.Equal(0, again.FirstUnstableOffset);
    }
}
