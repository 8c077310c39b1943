using System.Diagnostics;
using Fjord.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// Failover in a 3-node cluster of real processes killed with SIGKILL: the active controller's node (another
/// voter takes over) and a partition leader (the controller fences it after broker.session.timeout.ms and
/// elects new leaders from the ISR). The measured times are printed to the test output.
/// </summary>
public sealed class ClusterFailoverTests(ITestOutputHelper output)
{
    private const int SessionTimeoutMs = 4000;
    private const int HeartbeatIntervalMs = 500;

    private static readonly string[] s_settings = [$"broker.session.timeout.ms={SessionTimeoutMs}", $"broker.heartbeat.interval.ms={HeartbeatIntervalMs}"];

    [Fact]
    public void KillActiveController_AnotherNodeTakesOverWithinTenSeconds_AndTopicCreationWorksAgain()
    {
        using var cluster = ClusterProcess.Start(3, s_settings);
        var controllerId = WaitForBrokersAndController(cluster, cluster.BootstrapServers, [0, 1, 2]);

        var clock = Stopwatch.StartNew();
        cluster.Nodes[controllerId].Kill();
        var survivors = cluster.BootstrapServersExcept(controllerId);
        int? newController = null;
        Eventually.True(() =>
        {
            newController = ClusterClient.Describe(survivors)?.ControllerId;
            return newController is { } id && id != controllerId;
        }, TimeSpan.FromSeconds(20), () => $"a controller other than node {controllerId}; last {newController}\n{cluster.Output}");
        var elected = clock.Elapsed;

        ClusterClient.CreateTopic(survivors, "after-controller-failover", 2, 2, TimeSpan.FromSeconds(20));
        var created = clock.Elapsed;
        output.WriteLine($"controller failover: node {controllerId} killed; node {newController} is controller after {elected.TotalMilliseconds:F0} ms; topic created after {created.TotalMilliseconds:F0} ms");
        // The time is reported, not asserted (tests never fail on timing); the deadlines above bound liveness.
        Eventually.True(() => ClusterClient.Leaders(survivors, "after-controller-failover") is { Count: 2 } leaders && leaders.Values.All(l => l >= 0 && l != controllerId),
            TimeSpan.FromSeconds(15), "the new topic's partitions have live leaders");
    }

    [Fact]
    public void KillPartitionLeader_PartitionsGetNewLeadersWithinSessionTimeout_AndRestartedBrokerRejoins()
    {
        using var cluster = ClusterProcess.Start(3, s_settings);
        var controllerId = WaitForBrokersAndController(cluster, cluster.BootstrapServers, [0, 1, 2]);
        const string topic = "leader-failover";
        ClusterClient.CreateTopic(cluster.BootstrapServers, topic, 6, 3, TimeSpan.FromSeconds(20));
        Dictionary<int, int>? leaders = null;
        Eventually.True(() => (leaders = ClusterClient.Leaders(cluster.BootstrapServers, topic)) is { Count: 6 } l && l.Values.All(x => x >= 0),
            TimeSpan.FromSeconds(15), () => $"6 partitions with leaders\n{cluster.Output}");

        // A broker that leads something and is not the controller, so only broker fencing is measured.
        var victim = leaders!.Values.Where(l => l != controllerId).GroupBy(l => l).OrderByDescending(g => g.Count()).First().Key;
        var led = leaders.Where(p => p.Value == victim).Select(p => p.Key).ToArray();
        var clock = Stopwatch.StartNew();
        cluster.Nodes[victim].Kill();
        var survivors = cluster.BootstrapServersExcept(victim);
        Dictionary<int, int>? after = null;
        Eventually.True(() => (after = ClusterClient.Leaders(survivors, topic)) is { Count: 6 } l && l.Values.All(x => x >= 0 && x != victim),
            TimeSpan.FromMilliseconds(SessionTimeoutMs + 10_000), () => $"partitions {string.Join(',', led)} led by node {victim} moving away; last {Show(after)}\n{cluster.Output}");
        var failedOver = clock.Elapsed;
        output.WriteLine($"leader failover: node {victim} (leader of partitions {string.Join(',', led)}) killed; all partitions had new leaders after {failedOver.TotalMilliseconds:F0} ms (broker.session.timeout.ms={SessionTimeoutMs})");
        // Reported, not asserted: the goal is broker.session.timeout.ms + 2 s; the Eventually deadline bounds liveness.

        clock.Restart();
        cluster.Restart(cluster.Nodes[victim]);
        (int? ControllerId, int[] Brokers)? described = null;
        Eventually.True(() => (described = ClusterClient.Describe(cluster.BootstrapServers)) is { Brokers: [0, 1, 2] },
            TimeSpan.FromSeconds(30), () => $"node {victim} registered and unfenced again; last {described?.Brokers.Length}\n{cluster.Output}");
        output.WriteLine($"node {victim} restarted, re-registered and unfenced after {clock.Elapsed.TotalMilliseconds:F0} ms");
    }

    private static int WaitForBrokersAndController(ClusterProcess cluster, string bootstrapServers, int[] brokers)
    {
        (int? ControllerId, int[] Brokers)? described = null;
        Eventually.True(() => (described = ClusterClient.Describe(bootstrapServers)) is { ControllerId: >= 0 } d && d.Brokers.SequenceEqual(brokers),
            TimeSpan.FromSeconds(30), () => $"brokers {string.Join(',', brokers)} registered and a controller elected\n{cluster.Output}");
        return described!.Value.ControllerId!.Value;
    }

    private static string Show(Dictionary<int, int>? leaders) =>
        leaders is null ? "(no answer)" : string.Join(' ', leaders.OrderBy(p => p.Key).Select(p => $"{p.Key}→{p.Value}"));
}
