using Fjord.Coordinator.Transactions;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Tests.Transactions;

public sealed class TransactionCoordinatorEndTxnTests
{
    private const string Id = TransactionCoordinatorTestContext.TransactionalId;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void EndTxn_Ongoing_PreparesThenCompletesOnceMarkersAreWritten(bool commit)
    {
        var ctx = new TransactionCoordinatorTestContext();
        var (producerId, epoch) = ctx.StartTransaction(0, 4);

        var response = ctx.End(producerId, epoch, commit);

        Assert.Equal(ErrorCode.None, (ErrorCode)response.ErrorCode);
        Assert.Equal(commit ? TransactionState.PrepareCommit : TransactionState.PrepareAbort, ctx.State.State);
        var markers = Assert.Single(ctx.Markers);
        Assert.Equal((Id, producerId, epoch, 5, commit), (markers.TransactionalId, markers.ProducerId, markers.ProducerEpoch, markers.CoordinatorEpoch, markers.Commit));
        Assert.Equal([new("orders", 0), new("orders", 4)], markers.Partitions);

        ctx.CompleteLastMarkers();

        Assert.Equal(commit ? TransactionState.CompleteCommit : TransactionState.CompleteAbort, ctx.State.State);
        Assert.Empty(ctx.State.Partitions);
        Assert.Equal(epoch, ctx.State.ProducerEpoch);
    }

    [Fact]
    public void EndTxn_RetryAfterCompletion_SameDecisionIsNoneOppositeIsInvalidTxnState()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var (producerId, epoch) = ctx.StartTransaction();
        ctx.End(producerId, epoch, commit: true);
        ctx.CompleteLastMarkers();
        var records = ctx.Log.Count;

        Assert.Equal(ErrorCode.None, (ErrorCode)ctx.End(producerId, epoch, commit: true).ErrorCode);
        Assert.Equal(ErrorCode.InvalidTxnState, (ErrorCode)ctx.End(producerId, epoch, commit: false).ErrorCode);
        Assert.Equal(records, ctx.Log.Count);
    }

    [Fact]
    public void EndTxn_RetryWhilePrepared_SameDecisionIsConcurrentTransactionsOppositeIsInvalidTxnState()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var (producerId, epoch) = ctx.StartTransaction();
        ctx.End(producerId, epoch, commit: false);

        Assert.Equal(ErrorCode.ConcurrentTransactions, (ErrorCode)ctx.End(producerId, epoch, commit: false).ErrorCode);
        Assert.Equal(ErrorCode.InvalidTxnState, (ErrorCode)ctx.End(producerId, epoch, commit: true).ErrorCode);
        Assert.Single(ctx.Markers);
    }

    [Fact]
    public void EndTxn_EmptyTransaction_IsInvalidTxnState()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var init = ctx.Init();
        Assert.Equal(ErrorCode.InvalidTxnState, (ErrorCode)ctx.End(init.ProducerId, init.ProducerEpoch, commit: true).ErrorCode);
    }

    [Fact]
    public void EndTxn_WrongProducer_IsMappingErrorOrFenced()
    {
        var ctx = new TransactionCoordinatorTestContext();
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, (ErrorCode)ctx.End(1000, 0, commit: true).ErrorCode);
        var (producerId, epoch) = ctx.StartTransaction();
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, (ErrorCode)ctx.End(producerId + 1, epoch, commit: true).ErrorCode);
        Assert.Equal(ErrorCode.ProducerFenced, (ErrorCode)ctx.End(producerId, (short)(epoch + 1), commit: true).ErrorCode);
        var invalid = ctx.Apply(ctx.Core.EndTxn(new EndTxnRequest { TransactionalId = "" }, 3));
        Assert.Equal(ErrorCode.InvalidRequest, (ErrorCode)invalid.ErrorCode);
    }

    [Fact]
    public void EndTxn_V5_BumpsTheEpochAndReturnsIt()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var (producerId, epoch) = ctx.StartTransaction(0);

        var response = ctx.End(producerId, epoch, commit: true, version: 5);

        Assert.Equal(ErrorCode.None, (ErrorCode)response.ErrorCode);
        Assert.Equal((producerId, (short)(epoch + 1)), (response.ProducerId, response.ProducerEpoch));
        Assert.Equal(2, ctx.State.ClientTransactionVersion);
        Assert.Equal(epoch + 1, Assert.Single(ctx.Markers).ProducerEpoch);

        // A retry carries the epoch before the bump.
        Assert.Equal(ErrorCode.ConcurrentTransactions, (ErrorCode)ctx.End(producerId, epoch, commit: true, version: 5).ErrorCode);
        ctx.CompleteLastMarkers();
        var retried = ctx.End(producerId, epoch, commit: true, version: 5);
        Assert.Equal(ErrorCode.None, (ErrorCode)retried.ErrorCode);
        Assert.Equal((producerId, (short)(epoch + 1)), (retried.ProducerId, retried.ProducerEpoch));

        // The next transaction runs at the bumped epoch; the old one is fenced.
        Assert.Equal(ErrorCode.ProducerFenced, ctx.AddPartitions(producerId, epoch));
        Assert.Equal(ErrorCode.None, ctx.AddPartitions(producerId, (short)(epoch + 1)));
        var second = ctx.End(producerId, (short)(epoch + 1), commit: false, version: 5);
        Assert.Equal((producerId, (short)(epoch + 2)), (second.ProducerId, second.ProducerEpoch));
    }

    [Fact]
    public void EndTxn_V5ExhaustedEpoch_HandsOverToANewProducerIdAtCompletion()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var (producerId, _) = ctx.StartTransaction(0);
        const short Exhausted = short.MaxValue - 1;
        ctx.Core.Replay(new(Id, ctx.State with { ProducerEpoch = Exhausted }));

        var response = ctx.End(producerId, Exhausted, commit: true, version: 5);

        Assert.Equal((1001L, (short)0), (response.ProducerId, response.ProducerEpoch));
        Assert.Equal(1001, ctx.State.NextProducerId);
        Assert.Equal(short.MaxValue, Assert.Single(ctx.Markers).ProducerEpoch);

        ctx.CompleteLastMarkers();

        Assert.Equal((1001L, (short)0, producerId), (ctx.State.ProducerId, ctx.State.ProducerEpoch, ctx.State.PreviousProducerId));
        Assert.Equal(-1, ctx.State.NextProducerId);

        // A retry with the old id and epoch is recognised as such.
        var retried = ctx.End(producerId, Exhausted, commit: true, version: 5);
        Assert.Equal(ErrorCode.None, (ErrorCode)retried.ErrorCode);
        Assert.Equal(ErrorCode.None, ctx.AddPartitions(1001, 0));
    }

    [Fact]
    public void CompleteTransaction_StaleMarkers_ChangeNothing()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var (producerId, epoch) = ctx.StartTransaction();
        ctx.End(producerId, epoch, commit: true);
        var markers = ctx.Markers[^1];

        Assert.Empty(ctx.Core.CompleteTransaction(markers with { CoordinatorEpoch = 4 }).Records);
        Assert.Empty(ctx.Core.CompleteTransaction(markers with { ProducerEpoch = (short)(epoch + 1) }).Records);
        Assert.Empty(ctx.Core.CompleteTransaction(markers with { Commit = false }).Records);

        ctx.CompleteLastMarkers();
        Assert.Empty(ctx.Core.CompleteTransaction(markers).Records);
        Assert.Equal(TransactionState.CompleteCommit, ctx.State.State);
    }
}
