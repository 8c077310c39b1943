using Fjord.Coordinator.Transactions;
using Fjord.Protocol.Errors;
using Fjord.Protocol.Messages;

namespace Fjord.Coordinator.Tests.Transactions;

/// <summary>
/// KIP-890 part 2: a leader serving a transaction version 2 client adds the partition itself (AddPartitionsToTxn v5
/// without verify_only), the way Kafka 4's Produce v12 and TxnOffsetCommit v5 reach the coordinator.
/// </summary>
public class TransactionCoordinatorImplicitAddTests
{
    private const string Id = TransactionCoordinatorTestContext.TransactionalId;

    [Fact]
    public void ImplicitAdd_AfterVersion2End_StartsNextTransactionAtBumpedEpochAsVersion2()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var init = ctx.Init();
        Assert.Equal(ErrorCode.None, ImplicitAdd(ctx, init.ProducerId, init.ProducerEpoch, "orders", 0));
        Assert.Equal((TransactionState.Ongoing, (short)2), (ctx.State.State, ctx.State.ClientTransactionVersion));

        var ended = ctx.End(init.ProducerId, init.ProducerEpoch, commit: true, version: 5);
        var next = ended.ProducerEpoch;
        Assert.Equal(init.ProducerEpoch + 1, next);

        // The client produces at the new epoch before the markers are written: the leader's add must wait (retriable).
        Assert.Equal(ErrorCode.ConcurrentTransactions, ImplicitAdd(ctx, init.ProducerId, next, "orders", 1));
        ctx.CompleteLastMarkers();

        Assert.Equal(ErrorCode.None, ImplicitAdd(ctx, init.ProducerId, next, "orders", 1));
        Assert.Equal(TransactionState.Ongoing, ctx.State.State);
        Assert.Equal([new TransactionPartition("orders", 1)], ctx.State.Partitions);
        Assert.Equal(ErrorCode.ProducerFenced, ImplicitAdd(ctx, init.ProducerId, init.ProducerEpoch, "orders", 2));
    }

    [Fact]
    public void ImplicitAdd_PartitionAlreadyInTransaction_WritesNothing()
    {
        var ctx = new TransactionCoordinatorTestContext();
        var init = ctx.Init();
        Assert.Equal(ErrorCode.None, ImplicitAdd(ctx, init.ProducerId, init.ProducerEpoch, "orders", 0));
        var records = ctx.Log.Count;

        Assert.Equal(ErrorCode.None, ImplicitAdd(ctx, init.ProducerId, init.ProducerEpoch, "orders", 0));

        Assert.Equal(records, ctx.Log.Count);
    }

    [Fact]
    public void EndTxnV3_OnVersion2Cluster_KeepsTheEpoch()
    {
        // A KIP-98 client (librdkafka, kafkajs) on a cluster finalized at transaction.version 2 keeps its behaviour.
        var ctx = new TransactionCoordinatorTestContext(new TransactionCoordinatorConfig { TransactionStateLogNumPartitions = 4, OffsetsTopicNumPartitions = 10, TransactionVersion = 2 });
        var (producerId, epoch) = ctx.StartTransaction(0);

        var ended = ctx.End(producerId, epoch, commit: true, version: 3);
        ctx.CompleteLastMarkers();

        Assert.Equal(ErrorCode.None, (ErrorCode)ended.ErrorCode);
        Assert.Equal((producerId, epoch, (short)0), (ctx.State.ProducerId, ctx.State.ProducerEpoch, ctx.State.ClientTransactionVersion));
        Assert.Equal(epoch, Assert.Single(ctx.Markers).ProducerEpoch);
        Assert.Equal(ErrorCode.None, ctx.AddPartitions(producerId, epoch));
    }

    private static ErrorCode ImplicitAdd(TransactionCoordinatorTestContext ctx, long producerId, short epoch, string topic, int partition)
    {
        var request = new AddPartitionsToTxnRequest
        {
            Transactions =
            [
                new AddPartitionsToTxnRequest.AddPartitionsToTxnTransaction
                {
                    TransactionalId = Id,
                    ProducerId = producerId,
                    ProducerEpoch = epoch,
                    VerifyOnly = false,
                    Topics = [new AddPartitionsToTxnRequest.AddPartitionsToTxnTopic { Name = topic, Partitions = [partition] }],
                },
            ],
        };
        var response = ctx.Apply(ctx.Core.AddPartitionsToTxn(request, 5));
        return (ErrorCode)Assert.Single(Assert.Single(Assert.Single(response.ResultsByTransaction).TopicResults).ResultsByPartition).PartitionErrorCode;
    }
}
