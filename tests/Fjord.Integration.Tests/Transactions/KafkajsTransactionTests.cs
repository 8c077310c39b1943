using System.Text.Json;
using Confluent.Kafka;
using Fjord.Integration.Tests.Harness;

namespace Fjord.Integration.Tests.Transactions;

/// <summary>
/// kafkajs 2.2.4 (tests/kafkajs, Node.js 20) transactions against one broker process: its transactional producer and
/// read_committed consumer, cross-checked by a Confluent.Kafka read_committed consumer.
/// </summary>
[Collection(SharedBrokerCollection.Name)]
public sealed class KafkajsTransactionTests(BrokerFixture fixture)
{
    [NodeFact]
    public void TransactionalProducer_CommitAbortAndSendOffsets_ReadCommittedConsumersSeeOnlyCommittedRecords()
    {
        var topic = TestTopics.Unique("kjs-txn");
        var input = TestTopics.Unique("kjs-in");
        var output = TestTopics.Unique("kjs-out");
        var group = "kjs-group-" + input;
        var result = NodeScript.Run("transactions.js", TimeSpan.FromMinutes(3), fixture.BootstrapServers, topic, input, output, group);
        Assert.True(result.ExitCode == 0, result.ToString());

        // What the script committed: "first" and "second" over two partitions (even indexes on 0, odd on 1); "aborted"
        // in between; out-0..9 with the group's offset 10, while out-10..19 and offset 20 were aborted.
        string[] Partition(int p) => [.. TransactionClients.Values("first", 20).Where((_, i) => i % 2 == p), .. TransactionClients.Values("second", 20).Where((_, i) => i % 2 == p)];
        string[] committed = [.. Partition(0), .. Partition(1)];
        var transformed = TransactionClients.Values("out", 10);

        using var report = JsonDocument.Parse(result.StandardOutput.Trim().Split('\n')[^1]);
        var root = report.RootElement;
        Assert.Equal(committed, root.GetProperty("topic").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(transformed, root.GetProperty("output").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("10", root.GetProperty("committedOffset").GetString());

        Assert.Equal(committed, TransactionClients.ReadValues(fixture.BootstrapServers, [new(topic, 0), new(topic, 1)], IsolationLevel.ReadCommitted, committed.Length));
        Assert.Equal(transformed, TransactionClients.ReadValues(fixture.BootstrapServers, [new(output, 0)], IsolationLevel.ReadCommitted, transformed.Length));
        // The aborted records are in the log all the same: read_uncommitted sees them.
        var uncommitted = TransactionClients.ReadValues(fixture.BootstrapServers, [new(topic, 0), new(topic, 1)], IsolationLevel.ReadUncommitted, 60);
        Assert.Equal(20, uncommitted.Count(v => v.StartsWith("aborted-", StringComparison.Ordinal)));
    }
}
