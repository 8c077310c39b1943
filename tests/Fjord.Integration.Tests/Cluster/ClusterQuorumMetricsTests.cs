using Fjord.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// /metrics of a 3-node cluster of real processes: the Raft and controller families exist with values that
/// agree across nodes (one active controller, one leader id, 3 registered brokers) and move when the
/// metadata log grows.
/// </summary>
public sealed class ClusterQuorumMetricsTests(ITestOutputHelper output)
{
    /// <summary>Sample names only a cluster exports (a single node has no quorum); the dashboard check in MetricsTests accepts them.</summary>
    public static readonly string[] ClusterOnlySampleNames =
    [
        "fjord_raft_term", "fjord_raft_commit_index", "fjord_raft_applied_index", "fjord_raft_leader_id",
        .. Histogram("fjord_raft_append_latency_seconds"), .. Histogram("fjord_raft_commit_latency_seconds"),
        .. Histogram("fjord_controller_event_queue_time_seconds"),
    ];

    [Fact]
    public void Scrape_ThreeNodes_ExactlyOneActiveControllerAndRaftFiguresMoveWithTheMetadataLog()
    {
        using var cluster = ClusterProcess.Start(3, "broker.heartbeat.interval.ms=500");
        (int? ControllerId, int[] Brokers)? described = null;
        Eventually.True(() => (described = ClusterClient.Describe(cluster.BootstrapServers)) is { ControllerId: >= 0, Brokers.Length: 3 },
            TimeSpan.FromSeconds(30), () => $"3 brokers and a controller\n{cluster.Output}");
        var controllerId = described!.Value.ControllerId!.Value;

        PrometheusText[] before = [];
        Eventually.True(() => (before = ScrapeAll(cluster)).All(s => s.Sum("fjord_raft_leader_id") == controllerId),
            TimeSpan.FromSeconds(15), () => $"every node reporting leader {controllerId}; got {string.Join(',', before.Select(s => s.Sum("fjord_raft_leader_id")))}");
        var names = before.SelectMany(s => s.SampleNames).ToHashSet(StringComparer.Ordinal);
        Assert.All(ClusterOnlySampleNames, name => Assert.Contains(name, names));
        Assert.Equal(1, before.Sum(s => s.Sum("fjord_active_controller")));
        Assert.Equal(1, before[controllerId].Sum("fjord_active_controller"));
        Assert.All(before, s => Assert.Equal(3, s.Sum("fjord_registered_brokers")));
        Assert.All(before, s => Assert.Equal(0, s.Sum("fjord_fenced_brokers")));
        Assert.All(before, s => Assert.Equal(before[0].Sum("fjord_raft_term"), s.Sum("fjord_raft_term")));
        Assert.True(before[0].Sum("fjord_raft_term") >= 1);

        ClusterClient.CreateTopic(cluster.BootstrapServers, "metrics-moves", 3, 3, TimeSpan.FromSeconds(20));
        PrometheusText[] after = [];
        Eventually.True(() =>
        {
            after = ScrapeAll(cluster);
            return Enumerable.Range(0, 3).All(i => after[i].Sum("fjord_raft_applied_index") > before[i].Sum("fjord_raft_applied_index")
                && after[i].Sum("fjord_raft_commit_index") > before[i].Sum("fjord_raft_commit_index"));
        }, TimeSpan.FromSeconds(15), "every node's commit and applied index moving after a topic was created");
        var controller = after[controllerId];
        Assert.True(controller.Sum("fjord_raft_commit_latency_seconds_count") > before[controllerId].Sum("fjord_raft_commit_latency_seconds_count"));
        Assert.True(controller.Sum("fjord_raft_append_latency_seconds_count") > 0);
        Assert.All(after, s => Assert.True(s.Sum("fjord_controller_event_queue_time_seconds_count") > 0));
        var commits = controller.Sum("fjord_raft_commit_latency_seconds_count");
        output.WriteLine($"controller {controllerId}: {commits} metadata commits, mean commit latency {1000 * controller.Sum("fjord_raft_commit_latency_seconds_sum") / commits:F1} ms, " +
            $"mean append latency {1000 * controller.Sum("fjord_raft_append_latency_seconds_sum") / controller.Sum("fjord_raft_append_latency_seconds_count"):F1} ms, " +
            $"mean controller event queue time {1000 * controller.Sum("fjord_controller_event_queue_time_seconds_sum") / controller.Sum("fjord_controller_event_queue_time_seconds_count"):F2} ms");
    }

    private static string[] Histogram(string name) => [name + "_bucket", name + "_sum", name + "_count"];

    private static PrometheusText[] ScrapeAll(ClusterProcess cluster) => [.. cluster.Nodes.Select(n => n.ScrapeMetrics())];
}
