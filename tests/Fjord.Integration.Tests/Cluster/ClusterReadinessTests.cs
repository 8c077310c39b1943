using System.Diagnostics;
using Fjord.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// /readyz of real cluster processes: 503 while a node cannot register (no quorum yet), 200 once it is
/// registered, unfenced and caught up, and 503 again from SIGTERM on, while controlled shutdown runs.
/// </summary>
public sealed class ClusterReadinessTests(ITestOutputHelper output)
{
    [Fact]
    public void Readyz_NotReadyBeforeRegistration_ReadyWhenRegistered_NotReadyDuringControlledShutdown()
    {
        using var cluster = ClusterProcess.Create(3, 0, "broker.heartbeat.interval.ms=500");
        var first = cluster.Nodes[0];
        cluster.Launch(first);
        int? status = null;
        Eventually.True(() => (status = first.ReadyzStatus()) is not null, TimeSpan.FromSeconds(60), () => $"node 0's HTTP listener answering\n{first.Output}");
        // Alone, node 0 has no quorum, so no controller to register with: it must stay not ready while it keeps failing
        // to reach its peers (each failed Raft stream is logged; two rounds to both peers show it has been trying).
        var alone = Stopwatch.StartNew();
        Eventually.True(() =>
        {
            Assert.Equal(503, first.ReadyzStatus());
            return StreamFailures(first.Output) >= 4;
        }, TimeSpan.FromSeconds(120), () => $"node 0 failing to reach its peers at least twice each\n{first.Output}");
        output.WriteLine($"node 0 alone: not ready through {StreamFailures(first.Output)} failed raft streams in {alone.ElapsedMilliseconds} ms");

        cluster.Launch(cluster.Nodes[1]);
        cluster.Launch(cluster.Nodes[2]);
        foreach (var node in cluster.Nodes) node.WaitUntilReady(TimeSpan.FromSeconds(60));
        Assert.All(cluster.Nodes, n => Assert.Equal(200, n.ReadyzStatus()));

        ClusterClient.CreateTopic(cluster.BootstrapServers, "readiness", 3, 3, TimeSpan.FromSeconds(20));
        Eventually.True(() => ClusterClient.Leaders(cluster.BootstrapServers, "readiness") is { Count: 3 } l && l.Values.All(x => x >= 0),
            TimeSpan.FromSeconds(20), "3 led partitions");
        var victim = cluster.Nodes[1];
        var statuses = new List<int?>();
        var clock = Stopwatch.StartNew();
        victim.Terminate();
        while (!victim.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            statuses.Add(victim.ReadyzStatus());
            Thread.Sleep(10);
        }
        var exited = clock.Elapsed;
        Assert.True(victim.HasExited, $"node 1 exited after SIGTERM\n{victim.Output}");
        // The signal is handled asynchronously: 200 may be seen only before the first not-ready answer.
        var firstNotReady = statuses.FindIndex(s => s != 200);
        Assert.True(firstNotReady >= 0 && statuses[firstNotReady] == 503, $"a 503 once SIGTERM was handled; saw {string.Join(',', statuses)}\n{victim.Output}");
        Assert.DoesNotContain(statuses.Skip(firstNotReady), s => s == 200);
        Assert.Contains("may shut down", victim.Output);
        output.WriteLine($"SIGTERM → exit {exited.TotalMilliseconds:F0} ms; /readyz answered {statuses.Count(s => s == 503)}× 503 meanwhile");
    }

    private static int StreamFailures(string output) => output.Split('\n').Count(line => line.Contains("raft stream", StringComparison.Ordinal) && line.Contains(" broke;", StringComparison.Ordinal));
}
