using Fjord.Coordinator.Transactions;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Tests.Transactions;

public sealed class TransactionCoordinatorInitProducerIdTests
{
    private const string Id = TransactionCoordinatorTestContext.TransactionalId;

    [Fact]
    public void InitProducerId_NewTransactionalId_GetsFreshProducerIdAtEpochZero()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var response = ctx.Init();

        Assert.Equal(ErrorCode.None, (ErrorCode)response.ErrorCode);
        Assert.Equal(1000, response.ProducerId);
        Assert.Equal(0, response.ProducerEpoch);
        var record = Assert.Single(ctx.Log);
        Assert.Equal(Id, record.TransactionalId);
        Assert.Equal(TransactionState.Empty, ctx.State.State);
        Assert.Equal(TransactionCoordinatorTestContext.TimeoutMs, ctx.State.TransactionTimeoutMs);
        Assert.Equal(-1, ctx.State.StartTimestampMs);
    }

    [Fact]
    public void InitProducerId_ExistingEmptyOrCompleted_BumpsTheEpoch()
    {
        var ctx = new TransactionCoordinatorTestContext();
        ctx.Init();
        var second = ctx.Init(timeoutMs: 30_000);
        Assert.Equal((1000L, (short)1), (second.ProducerId, second.ProducerEpoch));
        Assert.Equal(30_000, ctx.State.TransactionTimeoutMs);

        Assert.Equal(ErrorCode.None, ctx.AddPartitions(1000, 1));
        ctx.End(1000, 1, commit: true);
        ctx.CompleteLastMarkers();
        Assert.Equal(TransactionState.CompleteCommit, ctx.State.State);

        var third = ctx.Init();
        Assert.Equal((1000L, (short)2), (third.ProducerId, third.ProducerEpoch));
        Assert.Equal(TransactionState.Empty, ctx.State.State);
        Assert.Empty(ctx.State.Partitions);
    }

    [Theory]
    [InlineData(900_001)]
    [InlineData(0)]
    [InlineData(-5)]
    public void InitProducerId_TimeoutOutOfRange_IsInvalidTransactionTimeout(int timeoutMs)
    {
        var ctx = new TransactionCoordinatorTestContext();
        Assert.Equal(ErrorCode.InvalidTransactionTimeout, (ErrorCode)ctx.Init(timeoutMs: timeoutMs).ErrorCode);
        Assert.Empty(ctx.Log);
    }

    [Fact]
    public void InitProducerId_TimeoutAtTheMaximum_IsAccepted()
    {
        var ctx = new TransactionCoordinatorTestContext();
        Assert.Equal(ErrorCode.None, (ErrorCode)ctx.Init(timeoutMs: 900_000).ErrorCode);
    }

    [Fact]
    public void InitProducerId_EmptyTransactionalId_IsInvalidRequest()
    {
        var ctx = new TransactionCoordinatorTestContext();
        Assert.Equal(ErrorCode.InvalidRequest, (ErrorCode)ctx.Init(transactionalId: "").ErrorCode);
    }

    [Fact]
    public void InitProducerId_NoTransactionalId_HandsOutAnIdWithoutRecords()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var first = ctx.Init(transactionalId: null);
        var second = ctx.Init(transactionalId: null);
        Assert.Equal((1000L, (short)0), (first.ProducerId, first.ProducerEpoch));
        Assert.Equal(1001L, second.ProducerId);
        Assert.Empty(ctx.Log);
    }

    [Fact]
    public void InitProducerId_NoProducerIdAtHand_IsCoordinatorLoadInProgress()
    {
        var ctx = new TransactionCoordinatorTestContext();
        ctx.ProducerIds.Failure = ErrorCode.CoordinatorLoadInProgress;
        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, (ErrorCode)ctx.Init().ErrorCode);
        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, (ErrorCode)ctx.Init(transactionalId: null).ErrorCode);
        Assert.Empty(ctx.Log);
    }

    [Theory]
    [InlineData((short)2, 2)]
    [InlineData((short)0, 1)]
    public void InitProducerId_OngoingTransaction_IsAbortedWithABumpedEpochAndAnsweredConcurrentTransactions(short transactionVersion, int bumps)
    {
        var ctx = new TransactionCoordinatorTestContext(new TransactionCoordinatorConfig { TransactionStateLogNumPartitions = 4, TransactionVersion = transactionVersion });
        var (producerId, epoch) = ctx.StartTransaction(0, 1);

        var response = ctx.Init();

        // Fenced with one bump; transaction version 2 bumps once more for the abort itself, as every end does.
        Assert.Equal(ErrorCode.ConcurrentTransactions, (ErrorCode)response.ErrorCode);
        Assert.Equal(TransactionState.PrepareAbort, ctx.State.State);
        Assert.Equal(epoch + bumps, ctx.State.ProducerEpoch);
        var markers = Assert.Single(ctx.Markers);
        Assert.False(markers.Commit);
        Assert.Equal((producerId, (short)(epoch + bumps), 5), (markers.ProducerId, markers.ProducerEpoch, markers.CoordinatorEpoch));
        Assert.Equal([new("orders", 0), new("orders", 1)], markers.Partitions);

        // The old producer is fenced; a retry while the markers are written is told to wait.
        Assert.Equal(ErrorCode.ProducerFenced, ctx.AddPartitions(producerId, epoch));
        Assert.Equal(ErrorCode.ConcurrentTransactions, (ErrorCode)ctx.Init().ErrorCode);

        ctx.CompleteLastMarkers();
        Assert.Equal(TransactionState.CompleteAbort, ctx.State.State);
        Assert.Equal(ErrorCode.ProducerFenced, (ErrorCode)ctx.End(producerId, epoch, commit: true, version: 5).ErrorCode);
        var retry = ctx.Init();
        Assert.Equal(ErrorCode.None, (ErrorCode)retry.ErrorCode);
        Assert.Equal((producerId, (short)(epoch + bumps + 1)), (retry.ProducerId, retry.ProducerEpoch));
    }

    [Fact]
    public void InitProducerId_WhilePrepareCommit_IsConcurrentTransactions()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var (producerId, epoch) = ctx.StartTransaction();
        ctx.End(producerId, epoch, commit: true);
        var records = ctx.Log.Count;

        Assert.Equal(ErrorCode.ConcurrentTransactions, (ErrorCode)ctx.Init().ErrorCode);
        Assert.Equal(records, ctx.Log.Count);
    }

    [Fact]
    public void InitProducerId_ExhaustedEpoch_RotatesToANewProducerId()
    {
        var ctx = new TransactionCoordinatorTestContext();
        ctx.Init();
        ctx.Core.Replay(new(Id, ctx.State with { ProducerEpoch = short.MaxValue - 1 }));

        var response = ctx.Init();

        Assert.Equal((1001L, (short)0), (response.ProducerId, response.ProducerEpoch));
        Assert.Equal(1000, ctx.State.PreviousProducerId);
    }

    [Fact]
    public void InitProducerId_Kip360_CurrentPairBumpsAndARetryGetsTheSameAnswer()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var first = ctx.Init();

        var recovered = ctx.Init(producerId: first.ProducerId, producerEpoch: first.ProducerEpoch);
        Assert.Equal((1000L, (short)1), (recovered.ProducerId, recovered.ProducerEpoch));
        Assert.Equal(0, ctx.State.LastProducerEpoch);

        // The response was lost; the client asks again with the pair it still has.
        var retried = ctx.Init(producerId: first.ProducerId, producerEpoch: first.ProducerEpoch);
        Assert.Equal((1000L, (short)1), (retried.ProducerId, retried.ProducerEpoch));
    }

    [Fact]
    public void InitProducerId_Kip360_StalePairIsFenced()
    {
        var ctx = new TransactionCoordinatorTestContext();
        ctx.Init();
        ctx.Init();
        ctx.Init();

        Assert.Equal(ErrorCode.ProducerFenced, (ErrorCode)ctx.Init(producerId: 1000, producerEpoch: 0).ErrorCode);
        Assert.Equal(ErrorCode.ProducerFenced, (ErrorCode)ctx.Init(producerId: 77, producerEpoch: 2).ErrorCode);
        Assert.Equal(ErrorCode.InvalidRequest, (ErrorCode)ctx.Init(producerId: 1000, producerEpoch: -1).ErrorCode);
    }

    [Fact]
    public void InitProducerId_PartitionLoadingOrNotLed_AnswersLoadInProgressOrNotCoordinator()
    {
        var ctx = new TransactionCoordinatorTestContext(activate: false);
        Assert.Equal(ErrorCode.NotCoordinator, (ErrorCode)ctx.Init().ErrorCode);

        ctx.Core.BeginLoading(ctx.Core.PartitionFor(Id), 1);
        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, (ErrorCode)ctx.Init().ErrorCode);

        ctx.Core.CompleteLoading(ctx.Core.PartitionFor(Id));
        Assert.Equal(ErrorCode.None, (ErrorCode)ctx.Init().ErrorCode);

        ctx.Core.Unload(ctx.Core.PartitionFor(Id));
        Assert.Equal(ErrorCode.NotCoordinator, (ErrorCode)ctx.Init().ErrorCode);
        Assert.Null(ctx.Core.TryGetTransaction(Id));
    }

    [Fact]
    public void InitProducerId_Request_IsTheGeneratedMessage()
    {
        // The shell passes the generated request through unchanged; v0-2 requests carry no producer id (both -1).
        var request = new InitProducerIdRequest { TransactionalId = Id, TransactionTimeoutMs = 1000 };
        Assert.Equal((-1L, (short)-1), (request.ProducerId, request.ProducerEpoch));
        var ctx = new TransactionCoordinatorTestContext();
        Assert.Equal(ErrorCode.None, (ErrorCode)ctx.Apply(ctx.Core.InitProducerId(request)).ErrorCode);
    }
}
