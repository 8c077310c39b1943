using Fjord.Coordinator.Transactions;
using Fjord.Protocol.Errors;

namespace Fjord.Coordinator.Tests.Transactions;

public sealed class TransactionCoordinatorTimerTests
{
    private const string Id = TransactionCoordinatorTestContext.TransactionalId;

    [Fact]
    public void Tick_OngoingPastItsTimeout_IsAbortedAndTheProducerFenced()
    {
        var ctx = new TransactionCoordinatorTestContext();
        ctx.Advance(TimeSpan.Zero);
        var (producerId, epoch) = ctx.StartTransaction(0, 1);

        ctx.Advance(TimeSpan.FromMilliseconds(TransactionCoordinatorTestContext.TimeoutMs));
        Assert.Equal(TransactionState.Ongoing, ctx.State.State);

        ctx.Advance(TimeSpan.FromMilliseconds(ctx.Config.TransactionAbortTimedOutTransactionCleanupIntervalMs));

        Assert.Equal(TransactionState.PrepareAbort, ctx.State.State);
        Assert.Equal(epoch + 2, ctx.State.ProducerEpoch);
        var markers = Assert.Single(ctx.Markers);
        Assert.False(markers.Commit);
        Assert.Equal(epoch + 2, markers.ProducerEpoch);

        // Every later request of the timed-out producer is fenced.
        Assert.Equal(ErrorCode.ProducerFenced, ctx.AddPartitions(producerId, epoch));
        Assert.Equal(ErrorCode.ProducerFenced, (ErrorCode)ctx.End(producerId, epoch, commit: true).ErrorCode);

        ctx.CompleteLastMarkers();
        Assert.Equal(TransactionState.CompleteAbort, ctx.State.State);
        Assert.Equal(ErrorCode.ProducerFenced, (ErrorCode)ctx.End(producerId, epoch, commit: false).ErrorCode);
    }

    [Fact]
    public void Tick_TimedOutBetweenChecks_IsAbortedAtTheNextCheck()
    {
        var ctx = new TransactionCoordinatorTestContext();
        ctx.Advance(TimeSpan.Zero);
        ctx.StartTransaction();
        var records = ctx.Log.Count;

        // A check just before the timeout passes; the transaction times out before the next one is due.
        ctx.Advance(TimeSpan.FromMilliseconds(TransactionCoordinatorTestContext.TimeoutMs - 1));
        ctx.Advance(TimeSpan.FromMilliseconds(2));
        Assert.Equal(records, ctx.Log.Count);
        Assert.Equal(TransactionState.Ongoing, ctx.State.State);

        ctx.Advance(TimeSpan.FromMilliseconds(ctx.Config.TransactionAbortTimedOutTransactionCleanupIntervalMs));
        Assert.Equal(TransactionState.PrepareAbort, ctx.State.State);
    }

    [Fact]
    public void Tick_IdleTransactionalIdPastExpiration_GetsATombstone()
    {
        var ctx = new TransactionCoordinatorTestContext();
        ctx.Advance(TimeSpan.Zero);
        ctx.Init();
        ctx.Init("busy-txn");
        var busy = ctx.Core.TryGetTransaction("busy-txn")!;
        ctx.Apply(ctx.Core.AddPartitionsToTxn(TransactionCoordinatorTestContext.AddRequestV3("busy-txn", busy.ProducerId, busy.ProducerEpoch, "orders", 0), 3));

        // An ongoing transaction is aborted on timeout but, while its markers are pending, never expires.
        ctx.Advance(TimeSpan.FromMilliseconds(ctx.Config.TransactionalIdExpirationMs + ctx.Config.TransactionRemoveExpiredTransactionCleanupIntervalMs));

        var tombstone = Assert.Single(ctx.Log, r => r.IsTombstone);
        Assert.Equal(Id, tombstone.TransactionalId);
        Assert.Null(ctx.Core.TryGetTransaction(Id));
        Assert.Equal(TransactionState.PrepareAbort, ctx.Core.TryGetTransaction("busy-txn")!.State);
    }

    [Fact]
    public void Tick_IdleButRecentlyUsed_IsKept()
    {
        var ctx = new TransactionCoordinatorTestContext();
        ctx.Advance(TimeSpan.Zero);
        ctx.Init();
        ctx.Time.Advance(TimeSpan.FromMilliseconds(ctx.Config.TransactionalIdExpirationMs - 1000));
        ctx.Init();

        ctx.Advance(TimeSpan.FromMilliseconds(ctx.Config.TransactionRemoveExpiredTransactionCleanupIntervalMs));

        Assert.DoesNotContain(ctx.Log, r => r.IsTombstone);
        Assert.NotNull(ctx.Core.TryGetTransaction(Id));
    }
}
