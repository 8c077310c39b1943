using Confluent.Kafka;
using Fjord.Cli.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// `fjord transactions` in a 3-node cluster, bootstrapped at one node only: list merges every node's coordinator,
/// describe reaches each transactional id's coordinator, describe-producers each partition's leader.
/// </summary>
public sealed class ClusterTransactionsCliTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ThreeNodes_ListDescribeAndDescribeProducers_RouteToCoordinatorsAndLeaders()
    {
        using var cluster = ClusterProcess.Start(3);
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { ControllerId: >= 0, Brokers.Length: 3 },
            TimeSpan.FromSeconds(30), () => $"3 brokers registered and a controller\n{cluster.Output}");
        const string topic = "txn-cli-cluster";
        ClusterClient.CreateTopic(cluster.BootstrapServers, topic, 3, 3, TimeSpan.FromSeconds(20));
        Eventually.True(() => ClusterClient.Leaders(cluster.BootstrapServers, topic) is { Count: 3 } l && l.Values.All(x => x >= 0),
            TimeSpan.FromSeconds(20), () => $"{topic} has 3 led partitions\n{cluster.Output}");

        var producers = new List<(string TransactionalId, int Partition, IProducer<Null, string> Producer)>();
        try
        {
            for (var i = 0; i < 6; i++)
            {
                var producer = new ProducerBuilder<Null, string>(new ProducerConfig
                {
                    BootstrapServers = cluster.BootstrapServers, TransactionalId = $"txn-cli-cluster-{i}", TransactionTimeoutMs = 60_000,
                }).Build();
                producers.Add(($"txn-cli-cluster-{i}", i % 3, producer));
                producer.InitTransactions(s_timeout);
                producer.BeginTransaction();
                await producer.ProduceAsync(new TopicPartition(topic, i % 3), new Message<Null, string> { Value = "open-" + i });
            }

            var bootstrap = cluster.Nodes[0].BootstrapServers;
            var listed = FjordCli.Json(FjordCli.Run(bootstrap, "transactions", "list", "-o", "json")).GetProperty("transactions").EnumerateArray()
                .ToDictionary(t => t.GetProperty("transactional_id").GetString()!, t => (Coordinator: t.GetProperty("coordinator").GetInt32(), State: t.GetProperty("transaction_state").GetString()));
            foreach (var (id, partition, _) in producers)
            {
                Assert.True(listed.TryGetValue(id, out var entry), $"{id} is listed: {string.Join(", ", listed.Keys)}");
                Assert.Equal("Ongoing", entry.State);
                var described = FjordCli.Json(FjordCli.Run(bootstrap, "transactions", "describe", "--transactional-id", id, "-o", "json"));
                Assert.Equal(entry.Coordinator, described.GetProperty("coordinator_id").GetInt32());
                Assert.Equal([$"{topic}-{partition}"], described.GetProperty("topic_partitions").EnumerateArray().Select(p => p.GetString()));
                var producerId = described.GetProperty("producer_id").GetInt64();
                var onPartition = FjordCli.Json(FjordCli.Run(bootstrap, "transactions", "describe-producers", "--topic", topic, "--partition", $"{partition}", "-o", "json"));
                Assert.Contains(onPartition.GetProperty("producers").EnumerateArray(), p => p.GetProperty("producer_id").GetInt64() == producerId);
            }

            output.WriteLine($"coordinators of the 6 transactional ids: {string.Join(",", producers.Select(p => listed[p.TransactionalId].Coordinator))}; " +
                $"partition leaders: {string.Join(",", ClusterClient.Leaders(cluster.BootstrapServers, topic)!.OrderBy(l => l.Key).Select(l => l.Value))}");
            foreach (var (_, _, producer) in producers) producer.CommitTransaction(s_timeout);
        }
        finally
        {
            foreach (var (_, _, producer) in producers) producer.Dispose();
        }
    }
}
