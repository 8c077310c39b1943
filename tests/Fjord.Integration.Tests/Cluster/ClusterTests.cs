using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Harness;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>Three real fjord-broker processes forming one cluster (all three voters of the metadata quorum).</summary>
public sealed class ClusterTests
{
    [Fact]
    public void ThreeNodes_KcatListMetadata_ShowsThreeBrokersAndAController()
    {
        using var cluster = ClusterProcess.Start(3);
        foreach (var node in cluster.Nodes)
        {
            ExternalCommand.Result? last = null;
            Eventually.True(() =>
            {
                last = ExternalCommand.Run("kcat", ["-b", node.BootstrapServers, "-L", "-m", "5"]);
                return last.ExitCode == 0 && last.StandardOutput.Contains("3 brokers:") && last.StandardOutput.Contains("(controller)");
            }, TimeSpan.FromSeconds(30), () => $"kcat -L against node {node.Id} listing 3 brokers and a controller; last:\n{last}\n{cluster.Output}");
            foreach (var other in cluster.Nodes)
                Assert.Contains($"broker {other.Id} at 127.0.0.1:{other.KafkaPort}", last!.StandardOutput);
        }
    }

    [Fact]
    public async Task ThreeNodes_CreateTopicWithReplicationFactorThree_EveryNodeServesItsMetadata()
    {
        using var cluster = ClusterProcess.Start(3);
        Eventually.True(() => ExternalCommand.Run("kcat", ["-b", cluster.BootstrapServers, "-L", "-m", "5"]).StandardOutput.Contains("3 brokers:"),
            TimeSpan.FromSeconds(30), () => $"3 brokers registered\n{cluster.Output}");

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = "replicated", NumPartitions = 3, ReplicationFactor = 3 }]);

        foreach (var node in cluster.Nodes)
        {
            ExternalCommand.Result? last = null;
            Eventually.True(() =>
            {
                last = ExternalCommand.Run("kcat", ["-b", node.BootstrapServers, "-L", "-t", "replicated", "-m", "5"]);
                return last.StandardOutput.Contains("topic \"replicated\" with 3 partitions");
            }, TimeSpan.FromSeconds(15), () => $"node {node.Id} describing the topic; last:\n{last}");
            Assert.Contains("replicas: ", last!.StandardOutput);
        }
    }
}
