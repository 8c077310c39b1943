using Fjord.Cli.Tests.Harness;
using Fjord.Integration.Tests.Cluster;

namespace Fjord.Cli.Tests;

/// <summary>A real 3-node cluster shared by the three-node CLI tests; started once per test class.</summary>
public sealed class ThreeNodeClusterFixture : IDisposable
{
    public ThreeNodeClusterFixture()
    {
        Cluster = ClusterProcess.Start(3, "broker.session.timeout.ms=4000", "broker.heartbeat.interval.ms=500");
        Eventually.True(() => ClusterClient.Describe(Cluster.BootstrapServers) is { ControllerId: >= 0, Brokers: [0, 1, 2] },
            TimeSpan.FromSeconds(60), () => $"3 brokers and a controller\n{Cluster.Output}");
    }

    public ClusterProcess Cluster { get; }

    public void Dispose() => Cluster.Dispose();
}

/// <summary>
/// `fjord cluster elect-leaders` and `fjord cluster reassign` against 3 real broker processes: reordering
/// replicas, electing the preferred leader, moving an RF=1 partition, listing and cancelling, and the errors.
/// </summary>
public sealed class ThreeNodeClusterCommandTests(ThreeNodeClusterFixture fixture) : IClassFixture<ThreeNodeClusterFixture>
{
    private string Bootstrap => fixture.Cluster.BootstrapServers;

    [Fact]
    public void ElectLeaders_AfterReorderingReplicas_ElectsThePreferredLeader_ThenNeedsNoElection()
    {
        var topic = TestTopics.Unique("cli-cluster-elect");
        FjordCli.Ok(FjordCli.Run(Bootstrap, "topics", "create", topic, "--partitions", "1", "--replication-factor", "3"));
        Dictionary<int, int>? leaders = null;
        Eventually.True(() => (leaders = ClusterClient.Leaders(Bootstrap, topic)) is { Count: 1 } l && l[0] >= 0,
            TimeSpan.FromSeconds(20), () => $"a leader for {topic}-0\n{fixture.Cluster.Output}");
        var leader = leaders![0];
        var others = new[] { 0, 1, 2 }.Where(id => id != leader).ToArray();
        var reordered = $"{others[0]},{leader},{others[1]}";

        // Same replicas, another preferred leader: accepted at once, the leader stays.
        var started = FjordCli.Json(FjordCli.Run(Bootstrap, "cluster", "reassign", "--topic", topic, "--partition", "0", "--replicas", reordered, "-o", "json"));
        Assert.Equal("started", started.GetProperty("status").GetString());

        System.Text.Json.JsonElement json = default;
        Eventually.True(() =>
        {
            var run = FjordCli.Run(Bootstrap, "cluster", "elect-leaders", "--topic", topic, "-o", "json");
            if (run.ExitCode != 0) return false;
            json = FjordCli.Json(run);
            return json.GetProperty("results").EnumerateArray().Single().GetProperty("result").GetString() == "elected";
        }, TimeSpan.FromSeconds(30), () => $"elect-leaders elected {others[0]}; last {json}");
        Eventually.True(() => ClusterClient.Leaders(Bootstrap, topic) is { } l && l[0] == others[0],
            TimeSpan.FromSeconds(20), () => $"node {others[0]} leads {topic}-0\n{fixture.Cluster.Output}");

        var again = FjordCli.Ok(FjordCli.Run(Bootstrap, "cluster", "elect-leaders", "--topic", topic)).StandardOutput;
        Assert.Contains("not-needed", again);
    }

    [Fact]
    public void Reassign_Rf1Partition_IsListedOrCompletes_AndCanBeCancelledWhileInProgress()
    {
        var topic = TestTopics.Unique("cli-cluster-move");
        FjordCli.Ok(FjordCli.Run(Bootstrap, "topics", "create", topic, "--partitions", "1", "--replication-factor", "1"));
        Dictionary<int, int>? leaders = null;
        Eventually.True(() => (leaders = ClusterClient.Leaders(Bootstrap, topic)) is { Count: 1 } l && l[0] >= 0,
            TimeSpan.FromSeconds(20), () => $"a leader for {topic}-0\n{fixture.Cluster.Output}");
        var from = leaders![0];
        var to = (from + 1) % 3;

        var text = FjordCli.Ok(FjordCli.Run(Bootstrap, "cluster", "reassign", "--topic", topic, "--partition", "0", "--replicas", to.ToString())).StandardOutput;
        Assert.Contains($"Reassignment of {topic}-0 to replicas [{to}] started", text);

        var listed = FjordCli.Json(FjordCli.Run(Bootstrap, "cluster", "reassign", "--list", "--topic", topic, "-o", "json"));
        var ongoing = listed.GetProperty("reassignments").EnumerateArray().ToList();
        if (ongoing.Count == 0)
        {
            // Completed already: the target broker leads the partition alone.
            Eventually.True(() => ClusterClient.Leaders(Bootstrap, topic) is { } l && l[0] == to, TimeSpan.FromSeconds(20), $"node {to} leads {topic}-0");
            return;
        }

        var row = Assert.Single(ongoing);
        Assert.Equal([to, from], row.GetProperty("replicas").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([to], row.GetProperty("adding_replicas").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([from], row.GetProperty("removing_replicas").EnumerateArray().Select(e => e.GetInt32()));
        var table = FjordCli.Ok(FjordCli.Run(Bootstrap, "cluster", "reassign", "--list")).StandardOutput;
        Assert.Contains(topic, table);

        var cancelled = FjordCli.Run(Bootstrap, "cluster", "reassign", "--topic", topic, "--partition", "0", "--cancel");
        if (cancelled.ExitCode == 0)
        {
            Assert.Contains("cancelled", cancelled.StandardOutput);
            var after = FjordCli.Json(FjordCli.Run(Bootstrap, "cluster", "reassign", "--list", "--topic", topic, "-o", "json"));
            Assert.Empty(after.GetProperty("reassignments").EnumerateArray());
        }
        else
        {
            // It completed between the list and the cancel.
            Assert.Contains("NO_REASSIGNMENT_IN_PROGRESS", cancelled.StandardError);
        }
    }

    [Fact]
    public void Reassign_Errors_ExitOne_WithKafkasErrorNames()
    {
        var topic = TestTopics.Unique("cli-cluster-bad");
        FjordCli.Ok(FjordCli.Run(Bootstrap, "topics", "create", topic, "--partitions", "1", "--replication-factor", "1"));

        var unknownBroker = FjordCli.Run(Bootstrap, "cluster", "reassign", "--topic", topic, "--partition", "0", "--replicas", "0,9");
        Assert.Equal(1, unknownBroker.ExitCode);
        Assert.Contains("INVALID_REPLICA_ASSIGNMENT", unknownBroker.StandardError);

        var unknownPartition = FjordCli.Run(Bootstrap, "cluster", "reassign", "--topic", topic, "--partition", "4", "--replicas", "0");
        Assert.Equal(1, unknownPartition.ExitCode);
        Assert.Contains("UNKNOWN_TOPIC_OR_PARTITION", unknownPartition.StandardError);

        var nothingToCancel = FjordCli.Run(Bootstrap, "cluster", "reassign", "--topic", topic, "--partition", "0", "--cancel");
        Assert.Equal(1, nothingToCancel.ExitCode);
        Assert.Contains("NO_REASSIGNMENT_IN_PROGRESS", nothingToCancel.StandardError);

        var unknownTopic = FjordCli.Run(Bootstrap, "cluster", "reassign", "--list", "--topic", "no-such-topic-cli");
        Assert.Equal(1, unknownTopic.ExitCode);
        Assert.Contains("unknown topic", unknownTopic.StandardError);

        var electUnknown = FjordCli.Run(Bootstrap, "cluster", "elect-leaders", "--topic", topic, "--partition", "5");
        Assert.Equal(1, electUnknown.ExitCode);
        Assert.Contains($"{topic}-5", electUnknown.StandardError);
    }

    [Fact]
    public void Rebalance_DryRunDrainingABroker_PrintsItsMoves_AndARunOnTheCluster_FinishesWithASummary()
    {
        var topic = TestTopics.Unique("cli-cluster-rebalance");
        FjordCli.Ok(FjordCli.Run(Bootstrap, "topics", "create", topic, "--partitions", "6", "--replication-factor", "2"));
        Eventually.True(() => ClusterClient.Leaders(Bootstrap, topic) is { Count: 6 } l && l.Values.All(x => x >= 0),
            TimeSpan.FromSeconds(20), () => $"6 led partitions of {topic}\n{fixture.Cluster.Output}");
        var adminServer = $"127.0.0.1:{fixture.Cluster.Nodes[0].RpcPort}";

        var plan = FjordCli.Json(FjordCli.Run(Bootstrap, "cluster", "rebalance", "--admin-server", adminServer, "--dry-run",
            "--exclude-brokers", "2", "--drain-only", "-o", "json"));
        var drained = plan.GetProperty("after").EnumerateArray().Single(b => b.GetProperty("broker_id").GetInt32() == 2);
        Assert.Equal(plan.GetProperty("unplaceable").GetArrayLength(), drained.GetProperty("replicas").GetInt32());
        Assert.All(plan.GetProperty("moves").EnumerateArray(),
            m => Assert.Contains(2, m.GetProperty("replicas").EnumerateArray().Select(r => r.GetInt32())));
        Assert.Contains(plan.GetProperty("moves").EnumerateArray(), m => m.GetProperty("topic").GetString() == topic);
        Assert.Equal(6, ClusterClient.Leaders(Bootstrap, topic)!.Count); // a dry run changes nothing

        var run = FjordCli.Ok(FjordCli.Run(Bootstrap, "cluster", "rebalance", "--admin-server", adminServer, "--throttle", "10485760"));
        Assert.Contains("Balance ", run.StandardOutput);
        Assert.Contains("BROKER", run.StandardOutput);
    }

    [Fact]
    public void Rebalance_ExcludingAnUnknownBroker_ExitsOneWithTheBrokersMessage()
    {
        var run = FjordCli.Run(Bootstrap, "cluster", "rebalance", "--admin-server", $"127.0.0.1:{fixture.Cluster.Nodes[1].RpcPort}", "--dry-run", "--exclude-brokers", "42");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Broker 42 is not registered", run.StandardError);
    }
}
