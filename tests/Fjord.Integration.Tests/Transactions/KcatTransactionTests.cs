using Fjord.Integration.Tests.Harness;

namespace Fjord.Integration.Tests.Transactions;

/// <summary>kcat 1.7 (librdkafka 2.0.2, Debian) reading a topic with committed and aborted transactions at both isolation levels.</summary>
[Collection(SharedBrokerCollection.Name)]
public sealed class KcatTransactionTests(BrokerFixture fixture)
{
    [Fact]
    public async Task ReadCommitted_SkipsTheAbortedTransaction_ReadUncommittedShowsIt()
    {
        var topic = TestTopics.Unique("kcat-txn");
        await TransactionClients.CreateTopicAsync(fixture.BootstrapServers, topic, partitions: 1);
        using (var producer = TransactionClients.TransactionalProducer(fixture.BootstrapServers, "txn-" + topic))
        {
            producer.InitTransactions(TransactionClients.Timeout);
            await TransactionClients.SendInTransactionAsync(producer, topic, [0], TransactionClients.Values("committed", 10));
            producer.CommitTransaction(TransactionClients.Timeout);
            await TransactionClients.SendInTransactionAsync(producer, topic, [0], TransactionClients.Values("aborted", 10));
            producer.AbortTransaction(TransactionClients.Timeout);
            await TransactionClients.SendInTransactionAsync(producer, topic, [0], TransactionClients.Values("later", 10));
            producer.CommitTransaction(TransactionClients.Timeout);
        }

        string[] Read(string isolation)
        {
            var consume = ExternalCommand.Run("kcat",
                ["-b", fixture.BootstrapServers, "-C", "-t", topic, "-o", "beginning", "-e", "-f", "%s\n", "-X", "isolation.level=" + isolation]);
            Assert.True(consume.ExitCode == 0, consume.ToString());
            return consume.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }

        Assert.Equal([.. TransactionClients.Values("committed", 10), .. TransactionClients.Values("later", 10)], Read("read_committed"));
        Assert.Equal([.. TransactionClients.Values("committed", 10), .. TransactionClients.Values("aborted", 10), .. TransactionClients.Values("later", 10)], Read("read_uncommitted"));
    }
}
