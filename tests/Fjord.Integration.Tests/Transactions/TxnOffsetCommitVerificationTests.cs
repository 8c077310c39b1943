using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Harness;
using Fjord.Protocol.Messages;
using KafkaError = Fjord.Protocol.Errors.ErrorCode;

namespace Fjord.Integration.Tests.Transactions;

/// <summary>
/// KIP-890 part 1 for transactional offsets, as Kafka 3.6+: offsets that would open a producer's transaction on the
/// group's <c>__consumer_offsets</c> partition are first verified with the transaction coordinator. A TxnOffsetCommit
/// sent without AddOffsetsToTxn (a zombie, or a client that skipped it) is refused with INVALID_TXN_STATE and writes
/// nothing, instead of opening a transaction no marker will ever close on the offsets partition; after AddOffsetsToTxn
/// the same request is accepted. Raw requests, because every real client sends AddOffsetsToTxn first.
/// </summary>
[Collection(SharedBrokerCollection.Name)]
public sealed class TxnOffsetCommitVerificationTests(BrokerFixture fixture)
{
    private const short TxnOffsetCommitVersion = 3;

    [Fact]
    public async Task TxnOffsetCommit_WithoutAddOffsetsToTxn_IsRefusedWithInvalidTxnState_AndAcceptedOnceAdded()
    {
        var topic = TestTopics.Unique("txn-offsets-verify");
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
        }

        var transactionalId = "txn-" + topic;
        var group = "group-" + topic;
        using var connection = new RawKafkaConnection(fixture.Broker.KafkaPort);
        // As a client does: FindCoordinator first (it creates the coordinator topics; until they load the answers are retriable).
        foreach (var (keyType, key) in new[] { ((sbyte)1, transactionalId), ((sbyte)0, group) })
        {
            Eventually.True(() =>
            {
                var id = connection.Send(new FindCoordinatorRequest { KeyType = keyType, CoordinatorKeys = [key] }, 4);
                return connection.Receive<FindCoordinatorResponse>(10, 4, id).Coordinators[0].ErrorCode == 0;
            }, TimeSpan.FromSeconds(60), () => $"the coordinator of {key}");
        }

        InitProducerIdResponse? init = null;
        Eventually.True(() =>
        {
            var id = connection.Send(new InitProducerIdRequest { TransactionalId = transactionalId, TransactionTimeoutMs = 60_000, ProducerId = -1, ProducerEpoch = -1 }, 4);
            init = connection.Receive<InitProducerIdResponse>(22, 4, id);
            return init.ErrorCode == 0;
        }, TimeSpan.FromSeconds(60), () => $"InitProducerId for {transactionalId}: {(KafkaError?)init?.ErrorCode}");

        var unadded = CommitOffset(connection, transactionalId, group, init!, topic, offset: 5);
        Assert.Equal(KafkaError.InvalidTxnState, unadded);

        var addId = connection.Send(new AddOffsetsToTxnRequest { TransactionalId = transactionalId, ProducerId = init!.ProducerId, ProducerEpoch = init.ProducerEpoch, GroupId = group }, 3);
        Assert.Equal(KafkaError.None, (KafkaError)connection.Receive<AddOffsetsToTxnResponse>(25, 3, addId).ErrorCode);
        Assert.Equal(KafkaError.None, CommitOffset(connection, transactionalId, group, init, topic, offset: 7));

        var endId = connection.Send(new EndTxnRequest { TransactionalId = transactionalId, ProducerId = init.ProducerId, ProducerEpoch = init.ProducerEpoch, Committed = true }, 3);
        Assert.Equal(KafkaError.None, (KafkaError)connection.Receive<EndTxnResponse>(26, 3, endId).ErrorCode);

        // Only the added offset became the group's: the refused one left nothing behind to commit or to hang.
        using var adminAfter = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.BootstrapServers }).Build();
        long committed = -1;
        Eventually.True(() =>
        {
            var offsets = adminAfter.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, [new TopicPartition(topic, 0)])]).GetAwaiter().GetResult();
            committed = offsets[0].Partitions[0].Offset.Value;
            return committed == 7;
        }, TimeSpan.FromSeconds(30), () => $"group {group}'s committed offset 7 (now {committed})");
    }

    private static KafkaError CommitOffset(RawKafkaConnection connection, string transactionalId, string group, InitProducerIdResponse init, string topic, long offset)
    {
        var request = new TxnOffsetCommitRequest { TransactionalId = transactionalId, GroupId = group, ProducerId = init.ProducerId, ProducerEpoch = init.ProducerEpoch };
        request.Topics.Add(new TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic { Name = topic, Partitions = [new() { PartitionIndex = 0, CommittedOffset = offset }] });
        var id = connection.Send(request, TxnOffsetCommitVersion);
        return (KafkaError)connection.Receive<TxnOffsetCommitResponse>(28, TxnOffsetCommitVersion, id).Topics[0].Partitions[0].ErrorCode;
    }
}
