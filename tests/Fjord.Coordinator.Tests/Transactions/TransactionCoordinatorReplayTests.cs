using Fjord.Coordinator.Transactions;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Tests.Transactions;

public sealed class TransactionCoordinatorReplayTests
{
    private const string Id = TransactionCoordinatorTestContext.TransactionalId;

    [Fact]
    public void Replay_EveryPrefixOfTheRecords_GivesTheStateThatPrefixDescribes()
    {
        var ctx = new TransactionCoordinatorTestContext();
        // Every kind of transition: init, add, commit, abort, v5 bumps, fencing init, timeout abort, expiry.
        ctx.Advance(TimeSpan.Zero);
        var (producerId, epoch) = ctx.StartTransaction(0, 1);
        ctx.End(producerId, epoch, commit: true);
        ctx.CompleteLastMarkers();
        ctx.AddPartitions(producerId, epoch, "audit", 3);
        ctx.End(producerId, epoch, commit: false, version: 5);
        ctx.CompleteLastMarkers();
        ctx.AddPartitions(producerId, (short)(epoch + 1), "orders", 2);
        ctx.Init();
        ctx.CompleteLastMarkers();
        ctx.Init("other-txn");
        var other = ctx.Core.TryGetTransaction("other-txn")!;
        ctx.Apply(ctx.Core.AddPartitionsToTxn(TransactionCoordinatorTestContext.AddRequestV3("other-txn", other.ProducerId, other.ProducerEpoch, "orders", 9), 3));
        ctx.Advance(TimeSpan.FromMilliseconds(ctx.Config.TransactionalIdExpirationMs + ctx.Config.TransactionRemoveExpiredTransactionCleanupIntervalMs));
        Assert.Contains(ctx.Log, r => r.IsTombstone);
        Assert.Contains(ctx.Log, r => r.Value?.State == TransactionState.PrepareAbort);

        // Every record is one of Kafka's legal transitions from the id's previous state (a tombstone being Dead).
        var last = new Dictionary<string, TransactionState>();
        foreach (var record in ctx.Log)
        {
            var next = record.Value?.State ?? TransactionState.Dead;
            var previous = last.TryGetValue(record.TransactionalId, out var known) ? known : TransactionState.Empty;
            Assert.True(TransactionStates.IsLegalTransition(previous, next), $"{record.TransactionalId}: {previous} -> {next}");
            last[record.TransactionalId] = next;
        }

        for (var length = 0; length <= ctx.Log.Count; length++)
        {
            // Through the bytes, as loading does: what Kafka does not store (the last epoch) comes back as -1.
            var replica = new TransactionCoordinatorTestContext();
            var batch = length == 0 ? [] : TransactionLogRecordBatch.Encode(ctx.Log.Take(length).ToList(), 1, 0);
            TransactionLogRecordBatch.DecodeAll(batch, replica.Core.Replay);

            var expected = length == 0 ? [] : ctx.StateAfterEachRecord[length - 1];
            Assert.Equal(expected.Keys.Order(), replica.Core.Transactions.Keys.Order());
            foreach (var (id, value) in expected)
            {
                Assert.Equal(value with { LastProducerEpoch = -1 }, replica.Core.Transactions[id]);
            }
        }
    }

    [Fact]
    public void Load_AfterFailover_ResumesMarkersOfPreparedTransactionsUnderTheNewEpoch()
    {
        var leader = new TransactionCoordinatorTestContext();
        var (producerId, epoch) = leader.StartTransaction(0, 1);
        leader.End(producerId, epoch, commit: true);
        leader.Init("aborting-txn");
        var aborting = leader.Core.TryGetTransaction("aborting-txn")!;
        leader.Apply(leader.Core.AddPartitionsToTxn(TransactionCoordinatorTestContext.AddRequestV3("aborting-txn", aborting.ProducerId, aborting.ProducerEpoch, "audit", 0), 3));
        leader.Apply(leader.Core.EndTxn(new EndTxnRequest { TransactionalId = "aborting-txn", ProducerId = aborting.ProducerId, ProducerEpoch = aborting.ProducerEpoch, Committed = false }, 3));

        // The new leader replays the log under epoch 6; the old leader's markers are now stale.
        var follower = new TransactionCoordinatorTestContext(activate: false);
        var partitions = leader.Log.Select(r => follower.Core.PartitionFor(r.TransactionalId)).Distinct().ToList();
        foreach (var partition in partitions)
        {
            follower.Core.BeginLoading(partition, 6);
        }

        TransactionLogRecordBatch.DecodeAll(TransactionLogRecordBatch.Encode(leader.Log, 1, 0), follower.Core.Replay);
        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, (ErrorCode)follower.End(producerId, epoch, commit: true).ErrorCode);
        foreach (var partition in partitions)
        {
            follower.ApplyOutput(follower.Core.CompleteLoading(partition));
        }

        Assert.Equal(2, follower.Markers.Count);
        var commit = Assert.Single(follower.Markers, m => m.TransactionalId == Id);
        Assert.True(commit.Commit);
        Assert.Equal((producerId, epoch, 6), (commit.ProducerId, commit.ProducerEpoch, commit.CoordinatorEpoch));
        Assert.Equal([new("orders", 0), new("orders", 1)], commit.Partitions);
        Assert.False(Assert.Single(follower.Markers, m => m.TransactionalId == "aborting-txn").Commit);

        Assert.Empty(follower.Core.CompleteTransaction(leader.Markers[0]).Records);
        follower.ApplyOutput(follower.Core.CompleteTransaction(commit));
        Assert.Equal(TransactionState.CompleteCommit, follower.State.State);
        Assert.Equal(ErrorCode.None, (ErrorCode)follower.End(producerId, epoch, commit: true).ErrorCode);
    }

    [Fact]
    public void BeginLoading_DropsWhatThePartitionHeldBefore()
    {
        var ctx = new TransactionCoordinatorTestContext();
        ctx.Init();
        var partition = ctx.Core.PartitionFor(Id);

        ctx.Core.BeginLoading(partition, 7);

        Assert.Null(ctx.Core.TryGetTransaction(Id));
        Assert.Equal(7, ctx.Core.CoordinatorEpoch(partition));
        Assert.Empty(ctx.Core.CompleteLoading(partition).Markers);
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, ctx.AddPartitions(1000, 0));
    }
}
