using Fjord.Coordinator.ConsumerOffsets;
using Fjord.Coordinator.Transactions;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Tests.Transactions;

public sealed class TransactionCoordinatorAddPartitionsTests
{
    private const string Id = TransactionCoordinatorTestContext.TransactionalId;

    [Fact]
    public void AddPartitions_ToEmptyTransaction_StartsItOngoingNow()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var init = ctx.Init();
        ctx.Time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(ErrorCode.None, ctx.AddPartitions(init.ProducerId, init.ProducerEpoch, "orders", 2, 0));

        Assert.Equal(TransactionState.Ongoing, ctx.State.State);
        Assert.Equal(ctx.NowMs, ctx.State.StartTimestampMs);
        Assert.Equal([new("orders", 0), new("orders", 2)], ctx.State.Partitions);
    }

    [Fact]
    public void AddPartitions_MorePartitions_KeepsTheStartTimeAndAddsThem()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var (producerId, epoch) = ctx.StartTransaction(0);
        var started = ctx.State.StartTimestampMs;
        ctx.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(ErrorCode.None, ctx.AddPartitions(producerId, epoch, "audit", 7));

        Assert.Equal(started, ctx.State.StartTimestampMs);
        Assert.Equal([new("audit", 7), new("orders", 0)], ctx.State.Partitions);
    }

    [Fact]
    public void AddPartitions_AlreadyInTheTransaction_AnswersWithoutARecord()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var (producerId, epoch) = ctx.StartTransaction(0, 1);
        var records = ctx.Log.Count;

        Assert.Equal(ErrorCode.None, ctx.AddPartitions(producerId, epoch, "orders", 1));
        Assert.Equal(records, ctx.Log.Count);
    }

    [Fact]
    public void AddPartitions_UnknownIdOrOtherProducerId_IsInvalidProducerIdMapping()
    {
        var ctx = new TransactionCoordinatorTestContext();
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, ctx.AddPartitions(1000, 0));
        ctx.Init();
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, ctx.AddPartitions(999, 0));
    }

    [Fact]
    public void AddPartitions_OtherEpoch_IsProducerFenced()
    {
        var ctx = new TransactionCoordinatorTestContext();
        ctx.Init();
        ctx.Init();
        Assert.Equal(ErrorCode.ProducerFenced, ctx.AddPartitions(1000, 0));
        Assert.Equal(ErrorCode.ProducerFenced, ctx.AddPartitions(1000, 2));
    }

    [Fact]
    public void AddPartitions_WhilePrepareCommitOrAbort_IsConcurrentTransactions()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var (producerId, epoch) = ctx.StartTransaction();
        ctx.End(producerId, epoch, commit: false);
        Assert.Equal(ErrorCode.ConcurrentTransactions, ctx.AddPartitions(producerId, epoch, "orders", 5));
    }

    [Fact]
    public void AddPartitions_AfterCompletion_StartsTheNextTransaction()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var (producerId, epoch) = ctx.StartTransaction();
        ctx.End(producerId, epoch, commit: true);
        ctx.CompleteLastMarkers();
        ctx.Time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(ErrorCode.None, ctx.AddPartitions(producerId, epoch, "orders", 3));
        Assert.Equal(TransactionState.Ongoing, ctx.State.State);
        Assert.Equal([new("orders", 3)], ctx.State.Partitions);
        Assert.Equal(ctx.NowMs, ctx.State.StartTimestampMs);
    }

    [Fact]
    public void AddPartitions_EmptyTransactionalId_IsInvalidRequest()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var response = ctx.Apply(ctx.Core.AddPartitionsToTxn(TransactionCoordinatorTestContext.AddRequestV3("", 1, 0, "orders", 0), 3));
        Assert.Equal((short)ErrorCode.InvalidRequest, response.ResultsByTopicV3AndBelow[0].ResultsByPartition[0].PartitionErrorCode);
    }

    [Fact]
    public void AddPartitions_V4Batch_VerifiesOneTransactionAndAddsToAnother()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var (producerId, epoch) = ctx.StartTransaction(0);
        var other = ctx.Init("other-txn");
        var records = ctx.Log.Count;

        var request = new AddPartitionsToTxnRequest
        {
            Transactions =
            [
                Transaction(Id, producerId, epoch, verifyOnly: true, ("orders", [0, 1])),
                Transaction("other-txn", other.ProducerId, other.ProducerEpoch, verifyOnly: false, ("audit", [2])),
                Transaction("unknown-txn", 5, 0, verifyOnly: true, ("orders", [0])),
                Transaction(Id, producerId, (short)(epoch + 3), verifyOnly: true, ("orders", [0])),
            ],
        };
        var response = ctx.Apply(ctx.Core.AddPartitionsToTxn(request, 4));

        Assert.Equal(4, response.ResultsByTransaction.Count);
        var verified = response.ResultsByTransaction[0].TopicResults.Single().ResultsByPartition;
        Assert.Equal((short)ErrorCode.None, verified.Single(p => p.PartitionIndex == 0).PartitionErrorCode);
        Assert.Equal((short)TransactionCoordinator.TransactionAbortable, verified.Single(p => p.PartitionIndex == 1).PartitionErrorCode);
        Assert.Equal((short)ErrorCode.None, response.ResultsByTransaction[1].TopicResults.Single().ResultsByPartition.Single().PartitionErrorCode);
        Assert.Equal((short)ErrorCode.InvalidProducerIdMapping, response.ResultsByTransaction[2].TopicResults.Single().ResultsByPartition.Single().PartitionErrorCode);
        Assert.Equal((short)ErrorCode.ProducerFenced, response.ResultsByTransaction[3].TopicResults.Single().ResultsByPartition.Single().PartitionErrorCode);

        // Verification writes nothing; only the add does.
        Assert.Equal(records + 1, ctx.Log.Count);
        Assert.Equal("other-txn", ctx.Log[^1].TransactionalId);
        Assert.Equal([new("orders", 0)], ctx.State.Partitions);
    }

    [Fact]
    public void AddPartitions_V4SameIdTwiceInABatch_SecondIsConcurrentTransactions()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var init = ctx.Init();
        var request = new AddPartitionsToTxnRequest
        {
            Transactions =
            [
                Transaction(Id, init.ProducerId, init.ProducerEpoch, verifyOnly: false, ("orders", [0])),
                Transaction(Id, init.ProducerId, init.ProducerEpoch, verifyOnly: false, ("orders", [1])),
            ],
        };

        var response = ctx.Apply(ctx.Core.AddPartitionsToTxn(request, 5));

        Assert.Equal((short)ErrorCode.None, response.ResultsByTransaction[0].TopicResults[0].ResultsByPartition[0].PartitionErrorCode);
        Assert.Equal((short)ErrorCode.ConcurrentTransactions, response.ResultsByTransaction[1].TopicResults[0].ResultsByPartition[0].PartitionErrorCode);
    }

    [Fact]
    public void VerifyOnly_WhilePrepare_IsConcurrentTransactions()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var (producerId, epoch) = ctx.StartTransaction(0);
        ctx.End(producerId, epoch, commit: true);
        var request = new AddPartitionsToTxnRequest { Transactions = [Transaction(Id, producerId, epoch, verifyOnly: true, ("orders", [0]))] };

        var response = ctx.Apply(ctx.Core.AddPartitionsToTxn(request, 4));

        Assert.Equal((short)ErrorCode.ConcurrentTransactions, response.ResultsByTransaction[0].TopicResults[0].ResultsByPartition[0].PartitionErrorCode);
    }

    [Fact]
    public void AddOffsetsToTxn_AddsTheGroupsConsumerOffsetsPartition()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var init = ctx.Init();

        var response = ctx.Apply(ctx.Core.AddOffsetsToTxn(new AddOffsetsToTxnRequest { TransactionalId = Id, ProducerId = init.ProducerId, ProducerEpoch = init.ProducerEpoch, GroupId = "my-group" }));

        Assert.Equal(ErrorCode.None, (ErrorCode)response.ErrorCode);
        var expected = new TransactionPartition("__consumer_offsets", ConsumerOffsetsPartitioner.PartitionFor("my-group", 10));
        Assert.Equal([expected], ctx.State.Partitions);
        Assert.Equal(TransactionState.Ongoing, ctx.State.State);
    }

    [Fact]
    public void AddOffsetsToTxn_FencedEpoch_IsProducerFenced()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var init = ctx.Init();
        var response = ctx.Apply(ctx.Core.AddOffsetsToTxn(new AddOffsetsToTxnRequest { TransactionalId = Id, ProducerId = init.ProducerId, ProducerEpoch = 9, GroupId = "g" }));
        Assert.Equal(ErrorCode.ProducerFenced, (ErrorCode)response.ErrorCode);
    }

    private static AddPartitionsToTxnRequest.AddPartitionsToTxnTransaction Transaction(string id, long producerId, short epoch, bool verifyOnly, params (string Topic, int[] Partitions)[] topics) => new()
    {
        TransactionalId = id,
        ProducerId = producerId,
        ProducerEpoch = epoch,
        VerifyOnly = verifyOnly,
        Topics = [.. topics.Select(t => new AddPartitionsToTxnRequest.AddPartitionsToTxnTopic { Name = t.Topic, Partitions = [.. t.Partitions] })],
    };
}
