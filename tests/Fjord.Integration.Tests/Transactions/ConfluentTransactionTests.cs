using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Harness;

namespace Fjord.Integration.Tests.Transactions;

/// <summary>
/// Confluent.Kafka's transactional API (librdkafka 2.16: init_transactions, begin, produce, send_offsets_to_transaction,
/// commit, abort) against one broker process — a one-voter quorum with <c>__transaction_state</c> at replication factor 1 —
/// read back by read_committed and read_uncommitted consumers.
/// </summary>
[Collection(SharedBrokerCollection.Name)]
public sealed class ConfluentTransactionTests(BrokerFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task CommittedAndAbortedTransactions_OverTwoPartitions_ReadCommittedSeesOnlyCommittedRecordsOnce()
    {
        var topic = TestTopics.Unique("txn-commit-abort");
        await CreateTopicAsync(topic, partitions: 2);

        using (var producer = TransactionalProducer("txn-" + topic))
        {
            producer.InitTransactions(s_timeout);
            await ProduceInTransactionAsync(producer, topic, "first", 50, commit: true);
            await ProduceInTransactionAsync(producer, topic, "aborted", 50, commit: false);
            await ProduceInTransactionAsync(producer, topic, "second", 50, commit: true);
        }

        var committed = Consume(topic, 2, IsolationLevel.ReadCommitted, expected: 100);
        Assert.Equal(100, committed.Count);
        Assert.DoesNotContain(committed, m => m.Message.Value.StartsWith("aborted", StringComparison.Ordinal));
        Assert.Equal(100, committed.Select(m => m.Message.Value).Distinct().Count());
        foreach (var partition in committed.GroupBy(m => m.Partition.Value))
        {
            // Order kept within a partition: every "first" record before every "second" one.
            var values = partition.Select(m => m.Message.Value).ToList();
            Assert.True(values.FindLastIndex(v => v.StartsWith("first", StringComparison.Ordinal)) < values.FindIndex(v => v.StartsWith("second", StringComparison.Ordinal)),
                $"partition {partition.Key}: {string.Join(",", values)}");
        }

        var uncommitted = Consume(topic, 2, IsolationLevel.ReadUncommitted, expected: 150);
        Assert.Equal(150, uncommitted.Count);
        Assert.Equal(50, uncommitted.Count(m => m.Message.Value.StartsWith("aborted", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task OpenTransaction_HoldsReadCommittedConsumersAtItsFirstOffset_UntilCommitted()
    {
        var topic = TestTopics.Unique("txn-lso");
        await CreateTopicAsync(topic, partitions: 1);
        using var producer = TransactionalProducer("txn-" + topic);
        producer.InitTransactions(s_timeout);
        producer.BeginTransaction();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "open" });

        using var consumer = Consumer(IsolationLevel.ReadCommitted);
        var partition = new TopicPartition(topic, 0);
        // librdkafka asks for the watermarks at the consumer's isolation level: the high one is the last stable offset.
        Assert.Equal(0, consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10)).High.Value);
        consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        Assert.Null(consumer.Consume(TimeSpan.FromSeconds(2)));
        // ListOffsets(latest) for read_committed is the last stable offset: the transaction's first offset.
        var committedEnd = await LatestOffsetAsync(topic, IsolationLevel.ReadCommitted);
        var uncommittedEnd = await LatestOffsetAsync(topic, IsolationLevel.ReadUncommitted);
        Assert.Equal((0L, 1L), (committedEnd, uncommittedEnd));

        producer.CommitTransaction(s_timeout);
        var read = consumer.Consume(s_timeout);
        Assert.NotNull(read);
        Assert.Equal("open", read.Message.Value);
        Assert.Equal(0, read.Offset.Value);
    }

    [Fact]
    public async Task SecondProducerWithTheSameTransactionalId_FencesTheFirst_AndAbortsItsOpenTransaction()
    {
        var topic = TestTopics.Unique("txn-fence");
        await CreateTopicAsync(topic, partitions: 1);
        var transactionalId = "txn-" + topic;
        using var zombie = TransactionalProducer(transactionalId);
        zombie.InitTransactions(s_timeout);
        zombie.BeginTransaction();
        await zombie.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "zombie" });

        using var successor = TransactionalProducer(transactionalId);
        successor.InitTransactions(s_timeout);
        successor.BeginTransaction();
        await successor.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "successor" });
        successor.CommitTransaction(s_timeout);

        var fenced = Assert.ThrowsAny<KafkaException>(() => zombie.CommitTransaction(s_timeout));
        Assert.True(fenced.Error.Code is ErrorCode.ProducerFenced or ErrorCode.InvalidProducerEpoch or ErrorCode.Local_Fenced,
            $"the zombie's commit failed with {fenced.Error.Code}: {fenced.Error.Reason}");

        var committed = Consume(topic, 1, IsolationLevel.ReadCommitted, expected: 1);
        Assert.Equal(["successor"], committed.Select(m => m.Message.Value));
    }

    [Fact]
    public async Task ConsumeTransformProduce_WithOffsetsInTheTransaction_CommitsOffsetsOnlyWithTheOutput()
    {
        var input = TestTopics.Unique("txn-in");
        var output = TestTopics.Unique("txn-out");
        var group = "txn-group-" + input;
        await CreateTopicAsync(input, partitions: 1);
        await CreateTopicAsync(output, partitions: 1);
        using (var source = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = fixture.BootstrapServers }).Build())
        {
            for (var i = 0; i < 20; i++) await source.ProduceAsync(input, new Message<string, string> { Key = "k", Value = $"in-{i}" });
        }

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = fixture.BootstrapServers,
            GroupId = group,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            IsolationLevel = IsolationLevel.ReadCommitted,
        }).Build();
        consumer.Subscribe(input);
        using var producer = TransactionalProducer("txn-" + group);
        producer.InitTransactions(s_timeout);

        // The first ten records are transformed and committed with their offsets, the next ten aborted.
        foreach (var commit in new[] { true, false })
        {
            producer.BeginTransaction();
            for (var i = 0; i < 10; i++)
            {
                var record = consumer.Consume(s_timeout) ?? throw new TimeoutException("no input record");
                await producer.ProduceAsync(output, new Message<string, string> { Key = record.Message.Key, Value = record.Message.Value.Replace("in-", "out-") });
            }

            producer.SendOffsetsToTransaction(consumer.Assignment.Select(p => new TopicPartitionOffset(p, consumer.Position(p))), consumer.ConsumerGroupMetadata, s_timeout);
            if (commit) producer.CommitTransaction(s_timeout);
            else producer.AbortTransaction(s_timeout);
        }

        var committedOffsets = consumer.Committed([new TopicPartition(input, 0)], TimeSpan.FromSeconds(10));
        Assert.Equal(10, committedOffsets.Single().Offset.Value);
        var outputRecords = Consume(output, 1, IsolationLevel.ReadCommitted, expected: 10);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"out-{i}"), outputRecords.Select(m => m.Message.Value));
    }

    [Fact]
    public async Task TransactionalBatchOutsideAnyTransaction_IsRefusedWithInvalidTxnState_AndLeavesNothingOpen()
    {
        var topic = TestTopics.Unique("txn-verify");
        await CreateTopicAsync(topic, partitions: 1);
        var transactionalId = "txn-" + topic;
        // A real producer id and epoch for the id, but no transaction begun: the partition was never added.
        using (var producer = TransactionalProducer(transactionalId))
        {
            producer.InitTransactions(s_timeout);
        }

        var (producerId, epoch) = CoordinatorState(transactionalId);
        using var connection = new RawKafkaConnection(fixture.Broker.KafkaPort);
        var withId = Produce(connection, topic, transactionalId, TransactionalBatch(producerId, epoch));
        var withoutId = Produce(connection, topic, transactionalId: null, TransactionalBatch(producerId, epoch));

        Assert.Equal((Protocol.Errors.ErrorCode.InvalidTxnState, Protocol.Errors.ErrorCode.InvalidTxnState), (withId, withoutId));
        // Nothing was appended, so no transaction hangs: the last stable offset is the log end.
        Assert.Equal(0L, await LatestOffsetAsync(topic, IsolationLevel.ReadCommitted));
        Assert.Equal(0L, await LatestOffsetAsync(topic, IsolationLevel.ReadUncommitted));
    }

    /// <summary>The id's producer id and epoch from DescribeTransactions (its coordinator is this one broker).</summary>
    private (long ProducerId, short Epoch) CoordinatorState(string transactionalId)
    {
        using var connection = new RawKafkaConnection(fixture.Broker.KafkaPort);
        var request = new Protocol.Messages.DescribeTransactionsRequest { TransactionalIds = [transactionalId] };
        var id = connection.Send(request, 0);
        var state = connection.Receive<Protocol.Messages.DescribeTransactionsResponse>(Protocol.Messages.DescribeTransactionsRequest.ApiKeyValue, 0, id).TransactionStates.Single();
        Assert.Equal(0, state.ErrorCode);
        Assert.Equal("Empty", state.TransactionState);
        return (state.ProducerId, state.ProducerEpoch);
    }

    private static byte[] TransactionalBatch(long producerId, short epoch)
    {
        using var builder = new Protocol.Records.RecordBatchBuilder { ProducerId = producerId, ProducerEpoch = epoch, BaseSequence = 0, IsTransactional = true };
        builder.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), "k"u8.ToArray(), "late"u8.ToArray());
        return builder.ToArray();
    }

    private static Protocol.Errors.ErrorCode Produce(RawKafkaConnection connection, string topic, string? transactionalId, byte[] batch)
    {
        var request = new Protocol.Messages.ProduceRequest { Acks = -1, TimeoutMs = 10_000, TransactionalId = transactionalId };
        request.TopicData.Add(new Protocol.Messages.ProduceRequest.TopicProduceData
        {
            Name = topic,
            PartitionData = [new() { Index = 0, Records = new System.Buffers.ReadOnlySequence<byte>(batch) }],
        });
        var id = connection.Send(request, 9);
        return (Protocol.Errors.ErrorCode)connection.Receive<Protocol.Messages.ProduceResponse>(Protocol.Messages.ProduceRequest.ApiKeyValue, 9, id).Responses[0].PartitionResponses[0].ErrorCode;
    }

    private IProducer<string, string> TransactionalProducer(string transactionalId) =>
        new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = fixture.BootstrapServers,
            TransactionalId = transactionalId,
            TransactionTimeoutMs = 60_000,
            LingerMs = 5,
        }).Build();

    private static async Task ProduceInTransactionAsync(IProducer<string, string> producer, string topic, string prefix, int count, bool commit)
    {
        producer.BeginTransaction();
        var deliveries = new List<Task<DeliveryResult<string, string>>>();
        for (var i = 0; i < count; i++)
        {
            deliveries.Add(producer.ProduceAsync(new TopicPartition(topic, i % 2), new Message<string, string> { Key = $"k{i}", Value = $"{prefix}-{i}" }));
        }

        await Task.WhenAll(deliveries);
        if (commit) producer.CommitTransaction(s_timeout);
        else producer.AbortTransaction(s_timeout);
    }

    private IConsumer<string, string> Consumer(IsolationLevel isolation) =>
        new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = fixture.BootstrapServers,
            GroupId = "txn-reader-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            IsolationLevel = isolation,
            EnablePartitionEof = false,
        }).Build();

    /// <summary>Reads from the beginning until <paramref name="expected"/> records came, then 2 s more to catch extras.</summary>
    private List<ConsumeResult<string, string>> Consume(string topic, int partitions, IsolationLevel isolation, int expected)
    {
        using var consumer = Consumer(isolation);
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var consumed = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow + s_timeout;
        while (consumed.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is { } result) consumed.Add(result);
        }

        while (consumer.Consume(TimeSpan.FromSeconds(2)) is { } extra) consumed.Add(extra);
        return consumed;
    }

    private async Task<long> LatestOffsetAsync(string topic, IsolationLevel isolation)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.BootstrapServers }).Build();
        var result = await admin.ListOffsetsAsync([new TopicPartitionOffsetSpec { TopicPartition = new TopicPartition(topic, 0), OffsetSpec = OffsetSpec.Latest() }],
            new ListOffsetsOptions { IsolationLevel = isolation });
        return result.ResultInfos.Single().TopicPartitionOffsetError.Offset.Value;
    }

    private async Task CreateTopicAsync(string topic, int partitions)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
    }
}
