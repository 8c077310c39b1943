using System.Buffers;
using System.Text;
using Fjord.Integration.Tests.Harness;
using Fjord.Protocol.Messages;
using Fjord.Protocol.Records;
using ErrorCode = Fjord.Protocol.Errors.ErrorCode;

namespace Fjord.Integration.Tests.Cluster;

// KIP-890 part 1's race, made deterministic with real processes: the coordinator is stopped while a leader verifies.
public sealed partial class ClusterTransactionTests
{
    /// <summary>
    /// The partition is in the producer's ongoing transaction (AddPartitionsToTxn), and its first batch goes to the leader,
    /// which asks the coordinator. The coordinator is SIGSTOPped, so the question stays out; meanwhile an ABORT marker for
    /// the producer reaches the leader (WriteTxnMarkers, as a coordinator or <c>fjord transactions abort</c> sends it).
    /// Once the coordinator answers that the partition is in the transaction, the append must still be refused: the guard
    /// the leader took before asking was retired by the marker, and the batch would open a transaction that was already ended.
    /// </summary>
    [Fact]
    public async Task MarkerBetweenVerificationAndAppend_AppendRefusedWithInvalidTxnState_NoTransactionLeftOpen()
    {
        // Long session and lag timeouts: the stopped coordinator must stay coordinator and in the ISR meanwhile.
        using var cluster = ClusterProcess.Start(3, "broker.session.timeout.ms=30000", "broker.heartbeat.interval.ms=500", "replica.lag.time.max.ms=30000",
            "transaction.state.log.num.partitions=6", "transaction.state.log.replication.factor=3");
        var layout = Arrange(cluster, "txn-guard");
        var coordinator = cluster.Nodes.First(n => n.Id == layout.Coordinator);
        var leader = cluster.Nodes.First(n => n.Id == layout.Leaders[0]);
        var partition = layout.Partitions[0];

        using var toCoordinator = new RawKafkaConnection(coordinator.KafkaPort);
        var init = Exchange<InitProducerIdResponse>(toCoordinator,
            new InitProducerIdRequest { TransactionalId = layout.TransactionalId, TransactionTimeoutMs = 60_000, ProducerId = -1, ProducerEpoch = -1 }, 4);
        Assert.Equal(ErrorCode.None, (ErrorCode)init.ErrorCode);
        var added = Exchange<AddPartitionsToTxnResponse>(toCoordinator, TransactionCoordinatorAdd(layout.TransactionalId, init, layout.Topic, partition), 3);
        Assert.Equal(ErrorCode.None, (ErrorCode)added.ResultsByTopicV3AndBelow[0].ResultsByPartition[0].PartitionErrorCode);

        output.WriteLine($"stopping node {coordinator.Id}, the coordinator of {layout.TransactionalId}");
        BrokerProcess.Signal(coordinator.ProcessId, "STOP");
        Task<ProduceResponse> produced;
        Task<WriteTxnMarkersResponse> marked;
        try
        {
            var verificationsBefore = leader.ScrapeMetrics().Sum("fjord_transaction_verifications_in_flight");
            produced = Task.Run(() => ExchangeOnce<ProduceResponse>(leader.KafkaPort, TransactionalBatch(layout.TransactionalId, init, layout.Topic, partition), 11));
            Eventually.True(() => leader.ScrapeMetrics().Sum("fjord_transaction_verifications_in_flight") > verificationsBefore, TimeSpan.FromSeconds(5),
                () => $"node {leader.Id} verifying the batch with the stopped coordinator\n{cluster.Output}");

            marked = Task.Run(() => ExchangeOnce<WriteTxnMarkersResponse>(leader.KafkaPort, AbortMarker(init, layout.Topic, partition), 1));
            // The marker is in the leader's log once the producer shows up there, with no transaction open.
            Eventually.True(() => ProducerOnLeader(leader.KafkaPort, layout.Topic, partition, init.ProducerId) is { CurrentTxnStartOffset: -1 }, TimeSpan.FromSeconds(5),
                () => $"the ABORT marker of producer {init.ProducerId} in node {leader.Id}'s log\n{cluster.Output}");
        }
        finally
        {
            BrokerProcess.Signal(coordinator.ProcessId, "CONT");
        }

        var answer = (await produced).Responses[0].PartitionResponses[0];
        output.WriteLine($"produce after the marker: {(ErrorCode)answer.ErrorCode} {answer.ErrorMessage}");
        Assert.Equal(ErrorCode.InvalidTxnState, (ErrorCode)answer.ErrorCode);
        Assert.Equal(ErrorCode.None, (ErrorCode)(await marked).Markers[0].Topics[0].Partitions[0].ErrorCode);
        var state = ProducerOnLeader(leader.KafkaPort, layout.Topic, partition, init.ProducerId);
        Assert.Equal(-1, state?.CurrentTxnStartOffset);
    }

    private static AddPartitionsToTxnRequest TransactionCoordinatorAdd(string transactionalId, InitProducerIdResponse init, string topic, int partition) => new()
    {
        V3AndBelowTransactionalId = transactionalId, V3AndBelowProducerId = init.ProducerId, V3AndBelowProducerEpoch = init.ProducerEpoch,
        V3AndBelowTopics = [new() { Name = topic, Partitions = [partition] }],
    };

    private static ProduceRequest TransactionalBatch(string transactionalId, InitProducerIdResponse init, string topic, int partition)
    {
        using var batch = new RecordBatchBuilder { ProducerId = init.ProducerId, ProducerEpoch = init.ProducerEpoch, BaseSequence = 0, IsTransactional = true };
        batch.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, Encoding.UTF8.GetBytes("late"));
        return new ProduceRequest
        {
            TransactionalId = transactionalId, Acks = -1, TimeoutMs = 30_000,
            TopicData = [new() { Name = topic, PartitionData = [new() { Index = partition, Records = new ReadOnlySequence<byte>(batch.ToArray()) }] }],
        };
    }

    private static WriteTxnMarkersRequest AbortMarker(InitProducerIdResponse init, string topic, int partition) => new()
    {
        Markers =
        [
            new()
            {
                ProducerId = init.ProducerId, ProducerEpoch = init.ProducerEpoch, TransactionResult = false, CoordinatorEpoch = 0,
                Topics = [new() { Name = topic, PartitionIndexes = [partition] }],
            },
        ],
    };

    private static DescribeProducersResponse.ProducerState? ProducerOnLeader(int kafkaPort, string topic, int partition, long producerId) =>
        ExchangeOnce<DescribeProducersResponse>(kafkaPort, new DescribeProducersRequest { Topics = [new() { Name = topic, PartitionIndexes = [partition] }] }, 0)
            .Topics[0].Partitions[0].ActiveProducers.FirstOrDefault(p => p.ProducerId == producerId);

    private static TResponse Exchange<TResponse>(RawKafkaConnection connection, Fjord.Protocol.IRequestMessage request, short version)
        where TResponse : Fjord.Protocol.IResponseMessage, new() =>
        connection.Receive<TResponse>(request.ApiKey, version, connection.Send(request, version));

    private static TResponse ExchangeOnce<TResponse>(int kafkaPort, Fjord.Protocol.IRequestMessage request, short version)
        where TResponse : Fjord.Protocol.IResponseMessage, new()
    {
        using var connection = new RawKafkaConnection(kafkaPort);
        return Exchange<TResponse>(connection, request, version);
    }
}
