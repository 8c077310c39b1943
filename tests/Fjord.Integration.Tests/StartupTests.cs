using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Harness;
using Fjord.Protocol.Messages;

namespace Fjord.Integration.Tests;

/// <summary>
/// A single node is a one-voter quorum: it lets clients in only once it is registered, caught up and unfenced,
/// says in one line when a listener cannot bind, and migrates a data directory of the former single-node layout.
/// </summary>
public sealed class StartupTests
{
    [Fact]
    public void Start_WhenTheKafkaPortIsTaken_ExitsWithOneLineAndANonZeroCode()
    {
        using var holder = new TcpListener(IPAddress.Loopback, BrokerProcess.FreePort());
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        var dataDir = Path.Combine(Path.GetTempPath(), "fjord-it-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var result = ExternalCommand.Run("dotnet",
            [
                BrokerProcess.BrokerDll, "--node-id", "0", "--data-dir", dataDir, "--kafka-listen", $"127.0.0.1:{port}",
                "--rpc-listen", $"127.0.0.1:{BrokerProcess.FreePort()}", "--http-listen", $"127.0.0.1:{BrokerProcess.FreePort()}",
            ], timeout: TimeSpan.FromSeconds(60));

            Assert.NotEqual(0, result.ExitCode);
            var errorLines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(errorLines.Length == 1, $"expected one line on stderr:\n{result}");
            Assert.Contains("cannot listen", errorLines[0]);
            Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), errorLines[0]);
            Assert.DoesNotContain("Exception", result.StandardOutput + result.StandardError);
        }
        finally
        {
            if (Directory.Exists(dataDir)) Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public void FirstMetadata_OnABrokerStillStarting_ListsItselfRegisteredAndUnfenced()
    {
        using var broker = BrokerProcess.StartWithoutWaiting();
        RawKafkaConnection? connection = null;
        Eventually.True(() =>
        {
            try
            {
                connection = new RawKafkaConnection(broker.KafkaPort);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), () => $"the Kafka listener opened\n{broker.Output}");

        using (connection)
        {
            // The first request on the first connection: it waits at the door until the broker can answer it fully.
            var correlationId = connection!.Send(new MetadataRequest { Topics = null }, 1);
            var response = connection.Receive<MetadataResponse>(3, 1, correlationId);
            Assert.True(response.Brokers.Count == 1, $"the first Metadata answer listed {response.Brokers.Count} brokers\n{broker.Output}");
            Assert.Equal(0, response.ControllerId);
        }
    }

    [Fact]
    public async Task Start_OnASingleNodeDataDirectory_MigratesTopicsConfigsLogsAndProducerIds()
    {
        const string topic = "legacy";
        using var broker = BrokerProcess.Start();
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, Acks = Acks.All }).Build())
        {
            for (var i = 0; i < 10; i++) await producer.ProduceAsync(topic, new Message<Null, string> { Value = i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }
        Assert.Equal(0, broker.Stop());

        // Turn the directory into what the single-node broker left: its partition logs, meta.properties, the topic
        // catalogue and the producer-id reservation, and no metadata log.
        const string topicId = "AAAAAAAAAAAAAAAAAAAAAQ";
        Directory.Delete(Path.Combine(broker.DataDir, "__cluster_metadata"), recursive: true);
        foreach (var offsets in Directory.EnumerateDirectories(broker.DataDir, "__consumer_offsets-*")) Directory.Delete(offsets, recursive: true);
        File.WriteAllText(Path.Combine(broker.DataDir, "fjord-topics.json"),
            $$"""[{"name":"{{topic}}","topicId":"{{topicId}}","partitions":1,"replicationFactor":1,"configs":{"retention.ms":"123456789"},"internal":false}]""");
        File.WriteAllText(Path.Combine(broker.DataDir, "fjord-producer-ids"), "5000");

        broker.Restart();

        Assert.Contains("Migrated topic legacy", broker.Output);
        Assert.False(File.Exists(Path.Combine(broker.DataDir, "fjord-topics.json")), "fjord-topics.json is still there");
        Assert.True(File.Exists(Path.Combine(broker.DataDir, "fjord-topics.json.migrated")), "fjord-topics.json was not kept as .migrated");
        using (var connection = new RawKafkaConnection(broker.KafkaPort))
        {
            var correlationId = connection.Send(new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = topic }] }, 12);
            var metadata = connection.Receive<MetadataResponse>(3, 12, correlationId);
            Assert.Equal(topicId, metadata.Topics[0].TopicId.ToString());
            Assert.Single(metadata.Topics[0].Partitions);

            correlationId = connection.Send(new InitProducerIdRequest { TransactionalId = null, TransactionTimeoutMs = 60_000, ProducerId = -1, ProducerEpoch = -1 }, 4);
            var producerId = connection.Receive<InitProducerIdResponse>(22, 4, correlationId);
            Assert.Equal(0, producerId.ErrorCode);
            Assert.True(producerId.ProducerId >= 5000, $"producer id {producerId.ProducerId} may repeat one the old broker issued (below 5000)");
        }

        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig { BootstrapServers = broker.BootstrapServers, GroupId = "migrated" }).Build();
        Assert.Equal(10, consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10)).High.Value);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        var configs = (await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }]))[0];
        Assert.Equal("123456789", configs.Entries["retention.ms"].Value);
    }

    [Fact]
    public void Start_WithVotersOnASingleNodeDataDirectory_RefusesWithOneLine()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "fjord-it-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dataDir);
        try
        {
            File.WriteAllText(Path.Combine(dataDir, "fjord-topics.json"), "[]");
            var voters = $"0@127.0.0.1:{BrokerProcess.FreePort()},1@127.0.0.1:{BrokerProcess.FreePort()}";
            var result = ExternalCommand.Run("dotnet", [BrokerProcess.BrokerDll, "--node-id", "0", "--data-dir", dataDir, "--voters", voters], timeout: TimeSpan.FromSeconds(60));

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("without --voters to migrate it", result.StandardError);
            Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
