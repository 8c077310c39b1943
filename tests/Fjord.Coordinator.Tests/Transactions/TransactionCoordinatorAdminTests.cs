using Fjord.Coordinator.Transactions;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Tests.Transactions;

public sealed class TransactionCoordinatorAdminTests
{
    private const string Id = TransactionCoordinatorTestContext.TransactionalId;

    [Fact]
    public void DescribeTransactions_ReportsStateAndPartitionsByTopic()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var (producerId, epoch) = ctx.StartTransaction(2, 0);
        ctx.AddPartitions(producerId, epoch, "audit", 1);

        var response = ctx.Core.DescribeTransactions([Id, "unknown-txn", ""]);

        var described = response.TransactionStates[0];
        Assert.Equal(ErrorCode.None, (ErrorCode)described.ErrorCode);
        Assert.Equal("Ongoing", described.TransactionState);
        Assert.Equal((producerId, epoch), (described.ProducerId, described.ProducerEpoch));
        Assert.Equal(TransactionCoordinatorTestContext.TimeoutMs, described.TransactionTimeoutMs);
        Assert.Equal(ctx.State.StartTimestampMs, described.TransactionStartTimeMs);
        Assert.Equal(["audit", "orders"], described.Topics.Select(t => t.Topic));
        Assert.Equal([0, 2], described.Topics[1].Partitions);
        Assert.Equal(ErrorCode.TransactionalIdNotFound, (ErrorCode)response.TransactionStates[1].ErrorCode);
        Assert.Equal(ErrorCode.InvalidRequest, (ErrorCode)response.TransactionStates[2].ErrorCode);
    }

    [Fact]
    public void DescribeTransactions_NotLedOrLoading_AnswersPerId()
    {
        var ctx = new TransactionCoordinatorTestContext(activate: false);
        Assert.Equal(ErrorCode.NotCoordinator, (ErrorCode)ctx.Core.DescribeTransactions([Id]).TransactionStates[0].ErrorCode);
        ctx.Core.BeginLoading(ctx.Core.PartitionFor(Id), 0);
        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, (ErrorCode)ctx.Core.DescribeTransactions([Id]).TransactionStates[0].ErrorCode);
    }

    [Fact]
    public void ListTransactions_FiltersByStateProducerAndDuration()
    {
        var ctx = new TransactionCoordinatorTestContext();
        ctx.StartTransaction();
        ctx.Time.Advance(TimeSpan.FromSeconds(30));
        var idle = ctx.Init("idle-txn");

        var all = ctx.Core.ListTransactions(new ListTransactionsRequest());
        Assert.Equal(["idle-txn", Id], all.TransactionStates.Select(t => t.TransactionalId));

        var ongoing = ctx.Core.ListTransactions(new ListTransactionsRequest { StateFilters = ["Ongoing", "Nonsense"] });
        Assert.Equal([Id], ongoing.TransactionStates.Select(t => t.TransactionalId));
        Assert.Equal(["Nonsense"], ongoing.UnknownStateFilters);

        var byProducer = ctx.Core.ListTransactions(new ListTransactionsRequest { ProducerIdFilters = [idle.ProducerId] });
        Assert.Equal(["idle-txn"], byProducer.TransactionStates.Select(t => t.TransactionalId));
        Assert.Equal("Empty", byProducer.TransactionStates[0].TransactionState);

        // v1: only transactions running longer than the filter (Kafka compares against the start time).
        var longRunning = ctx.Core.ListTransactions(new ListTransactionsRequest { StateFilters = ["Ongoing"], DurationFilter = 20_000 });
        Assert.Equal([Id], longRunning.TransactionStates.Select(t => t.TransactionalId));
        Assert.Empty(ctx.Core.ListTransactions(new ListTransactionsRequest { StateFilters = ["Ongoing"], DurationFilter = 40_000 }).TransactionStates);
    }

    [Fact]
    public void ListTransactions_WhileAPartitionLoads_IsCoordinatorLoadInProgress()
    {
        var ctx = new TransactionCoordinatorTestContext();
        ctx.Core.BeginLoading(1, 9);
        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, (ErrorCode)ctx.Core.ListTransactions(new ListTransactionsRequest()).ErrorCode);
    }
}
