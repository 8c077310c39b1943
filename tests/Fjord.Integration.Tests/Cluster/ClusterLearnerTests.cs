using System.Diagnostics;
using Fjord.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// Five real processes: three voters and two learners (nodes 3 and 4, left out of <c>--voters</c>). Learners
/// follow the metadata log and serve as ordinary brokers — listed by kcat, forwarding admin requests to the
/// controller, answering Metadata — and never become controller, also when the active controller is killed.
/// </summary>
public sealed class ClusterLearnerTests(ITestOutputHelper output)
{
    private static readonly string[] s_settings = ["broker.session.timeout.ms=4000", "broker.heartbeat.interval.ms=500"];

    private const string CreateTopicScript = """
        import sys
        from kafka.admin import KafkaAdminClient, NewTopic
        admin = KafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=20000)
        admin.create_topics([NewTopic(name=sys.argv[2], num_partitions=3, replication_factor=3)])
        admin.close()
        print("created")
        """;

    [Fact]
    public void ThreeVotersTwoLearners_WorkLikeFiveBrokers_AndSurviveLosingTheActiveController()
    {
        using var cluster = ClusterProcess.StartWithLearners(3, 2, s_settings);
        var learner = cluster.Nodes[3];
        var otherLearner = cluster.Nodes[4];

        string last = "";
        Eventually.True(() => (last = ExternalCommand.Run("kcat", ["-b", learner.BootstrapServers, "-L", "-m", "5"]).StandardOutput).Contains("5 brokers:"),
            TimeSpan.FromSeconds(30), () => $"kcat -L against learner 3 listing 5 brokers; last:\n{last}\n{cluster.Output}");

        var created = ExternalCommand.Run("/usr/bin/python3", ["-c", CreateTopicScript, learner.BootstrapServers, "via-learner"]);
        Assert.True(created.ExitCode == 0, $"{created}\n{cluster.Output}");
        Eventually.True(() => ClusterClient.Leaders(otherLearner.BootstrapServers, "via-learner") is { Count: 3 } l && l.Values.All(x => x >= 0),
            TimeSpan.FromSeconds(20), () => $"learner 4's Metadata showing via-learner with 3 led partitions\n{cluster.Output}");

        var controllerId = -1;
        Eventually.True(() => ClusterClient.Describe(learner.BootstrapServers) is { ControllerId: >= 0 and var id } && (controllerId = id) >= 0,
            TimeSpan.FromSeconds(20), () => $"DescribeCluster through learner 3 naming a controller\n{cluster.Output}");
        Assert.InRange(controllerId, 0, 2);
        var clock = Stopwatch.StartNew();
        cluster.Nodes[controllerId].Kill();
        int? newController = null;
        Eventually.True(() => (newController = ClusterClient.Describe(learner.BootstrapServers)?.ControllerId) is { } id && id != controllerId,
            TimeSpan.FromSeconds(20), () => $"a controller other than node {controllerId}, seen by learner 3; last {newController}\n{cluster.Output}");
        var elected = clock.Elapsed;
        Assert.InRange(newController!.Value, 0, 2); // learners never become controller

        // kafka-python's admin client gives up at once (NodeNotReadyError) when the controller it was told about
        // does not answer yet, so the user-visible promise is "works again soon": retry the whole script.
        ExternalCommand.Result? again = null;
        var attempts = 0;
        Eventually.True(() =>
        {
            attempts++;
            again = ExternalCommand.Run("/usr/bin/python3", ["-c", CreateTopicScript, learner.BootstrapServers, "after-failover"]);
            return again.ExitCode == 0 || again.StandardError.Contains("TopicAlreadyExistsError", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30), () => $"creating a topic through learner 3 after the failover; last:\n{again}\n{cluster.Output}");
        var recreated = clock.Elapsed;
        Eventually.True(() => ClusterClient.Leaders(otherLearner.BootstrapServers, "after-failover") is { Count: 3 } l && l.Values.All(x => x >= 0 && x != controllerId),
            TimeSpan.FromSeconds(20), () => $"learner 4's Metadata showing after-failover with live leaders\n{cluster.Output}");
        output.WriteLine($"5 nodes (3 voters + 2 learners): controller {controllerId} killed; node {newController} controller after {elected.TotalMilliseconds:F0} ms; " +
            $"topic created through learner 3 after {recreated.TotalMilliseconds:F0} ms ({attempts} kafka-python attempt(s))");
    }
}
