using Confluent.Kafka;
using Fjord.Cli.Tests.Harness;
using Fjord.Integration.Tests.Harness;
using Fjord.Integration.Tests.Transactions;
using Fjord.Protocol.Messages;
using ErrorCode = Fjord.Protocol.Errors.ErrorCode;

namespace Fjord.Integration.Tests.Cluster;

// KIP-890 part 2 on the same 3-node layout: a transaction version 2 client, driven with raw requests (no client here speaks it).
public sealed partial class ClusterTransactionTests
{
    [Fact]
    public void TransactionVersion2Client_CommitAbortCommitAcrossBrokers_EpochBumpsEachEnd_ReadCommittedAndOffsetsSeeOnlyCommits()
    {
        using var cluster = ClusterProcess.Start(3, Settings);
        var layout = Arrange(cluster, "txn-v2");
        var topic = layout.Topic;
        var group = TestTopics.Unique("txn-v2-group");
        using var producer = new TransactionVersion2Producer(id => cluster.Nodes.First(n => n.Id == id).KafkaPort, layout.Leaders[0], layout.TransactionalId);

        var versions = producer.ApiVersions();
        Assert.Contains(versions.FinalizedFeatures, f => f.Name == "transaction.version" && f.MaxVersionLevel == 2);
        Assert.Contains(versions.SupportedFeatures, f => f.Name == "transaction.version" && f.MaxVersion == 2);
        Assert.True(versions.FinalizedFeaturesEpoch >= 0, $"finalized features epoch {versions.FinalizedFeaturesEpoch}: a client ignores -1");
        Assert.Equal(TransactionVersion2Producer.ProduceVersion, versions.ApiKeys.Single(k => k.ApiKey == (short)ApiKey.Produce).MaxVersion);
        Assert.Equal(TransactionVersion2Producer.TxnOffsetCommitVersion, versions.ApiKeys.Single(k => k.ApiKey == (short)ApiKey.TxnOffsetCommit).MaxVersion);
        Assert.Equal(TransactionVersion2Producer.EndTxnVersion, versions.ApiKeys.Single(k => k.ApiKey == (short)ApiKey.EndTxn).MaxVersion);

        Assert.Equal(ErrorCode.None, (ErrorCode)producer.Init().ErrorCode);
        var producerId = producer.ProducerId;
        var epochs = new List<short> { producer.ProducerEpoch };
        var expected = new List<string>();
        var aborted = new List<string[]>();

        // Each transaction writes to both partitions (led by the two nodes that do not coordinate) and, for the first two,
        // commits the group's offset; the next transaction starts at once, while the previous one's markers may be in flight.
        foreach (var (name, commit, offset) in new[] { ("v2-first", true, 5L), ("v2-aborted", false, 99L), ("v2-last", true, -1L) })
        {
            var values = TransactionClients.Values(name, 20);
            for (var i = 0; i < 2; i++)
            {
                var (error, baseOffset) = producer.Produce(layout.Leaders[i], topic, layout.Partitions[i], values[(i * 10)..((i + 1) * 10)]);
                Assert.True(error == ErrorCode.None, $"{name}: Produce v12 to {topic}-{layout.Partitions[i]}: {error}");
                output.WriteLine($"{name}: {topic}-{layout.Partitions[i]} at node {layout.Leaders[i]}, base offset {baseOffset}, epoch {producer.ProducerEpoch}");
            }

            if (offset >= 0) Assert.Equal(ErrorCode.None, producer.CommitOffset(group, topic, layout.Partitions[0], offset));
            var ended = producer.End(commit);
            Assert.Equal(ErrorCode.None, (ErrorCode)ended.ErrorCode);
            Assert.Equal((producerId, (short)(epochs[^1] + 1)), (ended.ProducerId, ended.ProducerEpoch));
            epochs.Add(ended.ProducerEpoch);
            if (commit) expected.AddRange(values);
            else aborted.Add(values);
        }

        output.WriteLine($"producer {producerId}: epochs {string.Join(" -> ", epochs)}");

        // A zombie still at the first transaction's epoch: its batch and its end are fenced.
        var (zombieProduce, _) = producer.Produce(layout.Leaders[0], topic, layout.Partitions[0], ["zombie"], epoch: epochs[0]);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, zombieProduce);
        Assert.Equal(ErrorCode.ProducerFenced, (ErrorCode)producer.End(commit: true, epoch: epochs[0]).ErrorCode);
        // A retry of the last EndTxn (the epoch before its bump) is answered as the decision already taken.
        var retried = producer.End(commit: true, epoch: epochs[^2]);
        Assert.Equal((ErrorCode.None, producerId, epochs[^1]), ((ErrorCode)retried.ErrorCode, retried.ProducerId, retried.ProducerEpoch));

        AssertReadCommitted(cluster, layout, expected, [], aborted);

        using (var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = group }).Build())
        {
            Offset committedOffset = Offset.Unset;
            Eventually.True(() => (committedOffset = consumer.Committed([new TopicPartition(topic, layout.Partitions[0])], TimeSpan.FromSeconds(10))[0].Offset) == 5,
                TimeSpan.FromSeconds(30), () => $"the group's offset is the committed transaction's 5, not the aborted one's 99: {committedOffset}");
        }

        var described = FjordCli.Json(FjordCli.Run(cluster.BootstrapServers, "transactions", "describe", "--transactional-id", layout.TransactionalId, "-o", "json"));
        Assert.Equal("CompleteCommit", described.GetProperty("transaction_state").GetString());
        Assert.Equal(producerId, described.GetProperty("producer_id").GetInt64());
        Assert.Equal(epochs[^1], described.GetProperty("producer_epoch").GetInt16());
        Assert.Equal(layout.Coordinator, described.GetProperty("coordinator_id").GetInt32());
    }
}
