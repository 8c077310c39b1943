using System.Buffers;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Cli.Tests.Harness;
using KafkaError = Fjord.Protocol.Errors.ErrorCode;
using Fjord.Protocol.Messages;
using Fjord.Protocol.Records;

namespace Fjord.Integration.Tests.Transactions;

/// <summary>
/// The real `fjord transactions` CLI (kafka-transactions.sh's verbs) against a broker process: a Confluent.Kafka
/// transaction left open shows as Ongoing, and a hanging transaction — a transactional batch written by raw Produce for
/// a producer id no coordinator ever added the partition for, on a broker with KIP-890 verification off — is found by
/// find-hanging and removed by abort, after which the last stable offset moves and read_committed consumers read past it.
/// </summary>
[Collection(SharedBrokerCollection.Name)]
public sealed class TransactionsCliTests(BrokerFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly string _bootstrap = fixture.BootstrapServers;

    [Fact]
    public async Task ListAndDescribe_OpenConfluentTransaction_ShowItOngoingWithItsPartition_AndFindHangingLeavesItAlone()
    {
        var topic = TestTopics.Unique("txn-cli-open");
        await CreateTopicAsync(_bootstrap, topic);
        var transactionalId = "txn-" + topic;
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = _bootstrap, TransactionalId = transactionalId, TransactionTimeoutMs = 60_000,
        }).Build();
        producer.InitTransactions(s_timeout);
        producer.BeginTransaction();
        await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<string, string> { Key = "k", Value = "open" });

        var listed = FjordCli.Json(FjordCli.Run(_bootstrap, "transactions", "list", "-o", "json")).GetProperty("transactions").EnumerateArray()
            .Single(t => t.GetProperty("transactional_id").GetString() == transactionalId);
        Assert.Equal("Ongoing", listed.GetProperty("transaction_state").GetString());
        Assert.Equal(0, listed.GetProperty("coordinator").GetInt32());
        var producerId = listed.GetProperty("producer_id").GetInt64();
        var table = FjordCli.Ok(FjordCli.Run(_bootstrap, "transactions", "list")).StandardOutput;
        Assert.Contains("TransactionalId", table);
        Assert.Contains(transactionalId, table);

        var described = FjordCli.Json(FjordCli.Run(_bootstrap, "transactions", "describe", "--transactional-id", transactionalId, "-o", "json"));
        Assert.Equal("Ongoing", described.GetProperty("transaction_state").GetString());
        Assert.Equal(producerId, described.GetProperty("producer_id").GetInt64());
        Assert.Equal([$"{topic}-0"], described.GetProperty("topic_partitions").EnumerateArray().Select(p => p.GetString()));
        Assert.True(described.GetProperty("current_transaction_start_time_ms").GetInt64() > 0, described.ToString());

        var producers = FjordCli.Json(FjordCli.Run(_bootstrap, "transactions", "describe-producers", "--topic", topic, "--partition", "0", "-o", "json"));
        var state = producers.GetProperty("producers").EnumerateArray().Single();
        Assert.Equal(producerId, state.GetProperty("producer_id").GetInt64());
        Assert.Equal(0, state.GetProperty("current_transaction_start_offset").GetInt64());

        // Open for longer than a zero maximum timeout, but its coordinator lists it as ongoing there: not hanging.
        var hanging = FjordCli.Json(FjordCli.Run(_bootstrap, "transactions", "find-hanging", "--topic", topic, "--max-transaction-timeout", "0", "-o", "json"));
        Assert.Empty(hanging.GetProperty("hanging_transactions").EnumerateArray());

        producer.CommitTransaction(s_timeout);
        Eventually.True(() => DescribeState(transactionalId) == "CompleteCommit", s_timeout, () => $"{transactionalId} never showed CompleteCommit (last: {DescribeState(transactionalId)})");
        var none = FjordCli.Json(FjordCli.Run(_bootstrap, "transactions", "describe-producers", "--topic", topic, "--partition", "0", "-o", "json"));
        Assert.All(none.GetProperty("producers").EnumerateArray(), p => Assert.Equal(JsonValueKind.Null, p.GetProperty("current_transaction_start_offset").ValueKind));
    }

    [Fact]
    public void Errors_HaveKafkaNamesAndTheCliExitCodes()
    {
        var unknownId = FjordCli.Run(_bootstrap, "transactions", "describe", "--transactional-id", "never-" + Guid.NewGuid().ToString("N"));
        Assert.Equal(1, unknownId.ExitCode);
        Assert.Contains("TRANSACTIONAL_ID_NOT_FOUND", unknownId.StandardError);

        var unknownTopic = FjordCli.Run(_bootstrap, "transactions", "describe-producers", "--topic", "no-such-" + Guid.NewGuid().ToString("N"), "--partition", "0");
        Assert.Equal(1, unknownTopic.ExitCode);
        Assert.Contains("UNKNOWN_TOPIC_OR_PARTITION", unknownTopic.StandardError);

        Assert.Equal(2, FjordCli.Run(_bootstrap, "transactions", "find-hanging").ExitCode);
        Assert.Equal(2, FjordCli.Run(_bootstrap, "transactions", "abort", "--topic", "t", "--partition", "0").ExitCode);
        Assert.Equal(3, FjordCli.Run("127.0.0.1:1", "transactions", "list").ExitCode);
    }

    [Fact]
    public async Task HangingTransaction_IsFoundByFindHanging_AndAbortMovesTheLastStableOffsetPastIt()
    {
        // KIP-890 verification (on by default) refuses the batch that would leave the transaction hanging; brokers
        // without it (Kafka before 3.6, or transaction.partition.verification.enable=false) take it.
        using var broker = BrokerProcess.Start("transaction.partition.verification.enable=false");
        var bootstrap = broker.BootstrapServers;
        var topic = TestTopics.Unique("txn-cli-hanging");
        await CreateTopicAsync(bootstrap, topic);
        var (producerId, producerEpoch) = WriteHangingTransaction(broker.KafkaPort, topic, records: 3, KafkaError.None);
        using (var plain = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = bootstrap, Acks = Acks.All }).Build())
        {
            await plain.ProduceAsync(new TopicPartition(topic, 0), new Message<Null, string> { Value = "after" });
        }

        // The open transaction pins the last stable offset at its first offset: read_committed sees nothing.
        Assert.Equal(0, await LatestOffsetAsync(bootstrap, topic, IsolationLevel.ReadCommitted));

        var found = FjordCli.Json(FjordCli.Run(bootstrap, "transactions", "find-hanging", "--broker-id", "0", "--max-transaction-timeout", "0", "-o", "json"))
            .GetProperty("hanging_transactions").EnumerateArray().Where(h => h.GetProperty("topic").GetString() == topic).ToList();
        var hanging = Assert.Single(found);
        Assert.Equal((0, producerId, (int)producerEpoch, 0L),
            (hanging.GetProperty("partition").GetInt32(), hanging.GetProperty("producer_id").GetInt64(), hanging.GetProperty("producer_epoch").GetInt32(), hanging.GetProperty("start_offset").GetInt64()));
        Assert.Contains(topic, FjordCli.Ok(FjordCli.Run(bootstrap, "transactions", "find-hanging", "--topic", topic, "--max-transaction-timeout", "0")).StandardOutput);
        // Under the default 15-minute maximum timeout it is too young to call hanging.
        Assert.Contains("No hanging transactions found.", FjordCli.Ok(FjordCli.Run(bootstrap, "transactions", "find-hanging", "--topic", topic)).StandardOutput);

        var wrongOffset = FjordCli.Run(bootstrap, "transactions", "abort", "--topic", topic, "--partition", "0", "--start-offset", "1");
        Assert.Equal(1, wrongOffset.ExitCode);
        FjordCli.Ok(FjordCli.Run(bootstrap, "transactions", "abort", "--topic", topic, "--partition", "0", "--start-offset", "0"));

        // Records 0-2 aborted, "after" at 3, the ABORT marker at 4: the last stable offset is the log end.
        Assert.Equal(5, await LatestOffsetAsync(bootstrap, topic, IsolationLevel.ReadCommitted));
        Assert.Equal(["after"], ConsumeReadCommitted(bootstrap, topic, expected: 1));
        var afterAbort = FjordCli.Json(FjordCli.Run(bootstrap, "transactions", "find-hanging", "--topic", topic, "--max-transaction-timeout", "0", "-o", "json"));
        Assert.Empty(afterAbort.GetProperty("hanging_transactions").EnumerateArray());
    }

    /// <summary>
    /// A transactional batch for an idempotent producer id through a raw Produce: no AddPartitionsToTxn, so no
    /// coordinator will ever write its marker (what a KIP-890 verification refuses; this broker has it switched off).
    /// </summary>
    private static (long ProducerId, short ProducerEpoch) WriteHangingTransaction(int kafkaPort, string topic, int records, KafkaError expected)
    {
        using var connection = new RawKafkaConnection(kafkaPort);
        var initId = connection.Send(new InitProducerIdRequest { TransactionalId = null, TransactionTimeoutMs = 60_000, ProducerId = -1, ProducerEpoch = -1 }, 4);
        var init = connection.Receive<InitProducerIdResponse>(22, 4, initId);
        Assert.Equal(KafkaError.None, (KafkaError)init.ErrorCode);

        using var builder = new RecordBatchBuilder { ProducerId = init.ProducerId, ProducerEpoch = init.ProducerEpoch, BaseSequence = 0, IsTransactional = true };
        for (var i = 0; i < records; i++)
        {
            builder.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, Encoding.UTF8.GetBytes($"hanging-{i}"));
        }

        var request = new ProduceRequest { Acks = -1, TimeoutMs = 10_000 };
        request.TopicData.Add(new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new() { Index = 0, Records = new ReadOnlySequence<byte>(builder.ToArray()) }] });
        var produceId = connection.Send(request, 7);
        var produced = connection.Receive<ProduceResponse>(0, 7, produceId).Responses[0].PartitionResponses[0];
        Assert.Equal(expected, (KafkaError)produced.ErrorCode);
        return (init.ProducerId, init.ProducerEpoch);
    }

    [Fact]
    public async Task HangingTransactionBatch_OnABrokerWithVerification_IsRefusedWithInvalidTxnState()
    {
        var topic = TestTopics.Unique("txn-cli-verified");
        await CreateTopicAsync(_bootstrap, topic);
        WriteHangingTransaction(fixture.Broker.KafkaPort, topic, records: 1, KafkaError.InvalidTxnState);
        var hanging = FjordCli.Json(FjordCli.Run(_bootstrap, "transactions", "find-hanging", "--topic", topic, "--max-transaction-timeout", "0", "-o", "json"));
        Assert.Empty(hanging.GetProperty("hanging_transactions").EnumerateArray());
    }

    private string? DescribeState(string transactionalId)
    {
        var result = FjordCli.Run(_bootstrap, "transactions", "describe", "--transactional-id", transactionalId, "-o", "json");
        return result.ExitCode == 0 ? JsonDocument.Parse(result.StandardOutput).RootElement.GetProperty("transaction_state").GetString() : result.StandardError;
    }

    private static async Task CreateTopicAsync(string bootstrap, string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
    }

    private static async Task<long> LatestOffsetAsync(string bootstrap, string topic, IsolationLevel isolation)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        var result = await admin.ListOffsetsAsync([new TopicPartitionOffsetSpec { TopicPartition = new TopicPartition(topic, 0), OffsetSpec = OffsetSpec.Latest() }],
            new ListOffsetsOptions { IsolationLevel = isolation });
        return result.ResultInfos.Single().TopicPartitionOffsetError.Offset.Value;
    }

    /// <summary>Reads from the beginning until <paramref name="expected"/> values came, then 2 s more to catch extras.</summary>
    private static List<string> ConsumeReadCommitted(string bootstrap, string topic, int expected)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "txn-cli-reader-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var values = new List<string>();
        var deadline = DateTime.UtcNow + s_timeout;
        while (values.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is { } result) values.Add(result.Message.Value);
        }

        while (consumer.Consume(TimeSpan.FromSeconds(2)) is { } extra) values.Add(extra.Message.Value);
        return values;
    }
}
