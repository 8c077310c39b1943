using Fjord.Raft.Tests.Benchmark;

namespace Fjord.Raft.Tests;

public sealed class GrpcTransportTests
{
    [Fact]
    public async Task ThreeNodesOverGrpc_WhenLeaderProposes_EveryNodeAppliesEveryEntry()
    {
        await using var cluster = await LoopbackRaftCluster.StartAsync(3, fsync: false, tick: TimeSpan.FromMilliseconds(20));
        var leader = await cluster.ElectAsync(TimeSpan.FromSeconds(15));
        var tasks = Enumerable.Range(0, 200).Select(i => leader.ProposeAsync(BitConverter.GetBytes(i))).ToArray();
        var indexes = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(200, indexes.Distinct().Count());
        var last = indexes.Max();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (cluster.Drivers.Any(d => d.Status.AppliedIndex < last))
        {
            Assert.True(DateTime.UtcNow < deadline,
                $"followers did not apply up to {last}: {string.Join("; ", cluster.Drivers.Select(d => d.Status))}");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Follower_WhenAskedToPropose_FailsWithLeaderHint()
    {
        await using var cluster = await LoopbackRaftCluster.StartAsync(3, fsync: false, tick: TimeSpan.FromMilliseconds(20));
        var leader = await cluster.ElectAsync(TimeSpan.FromSeconds(15));
        await leader.ProposeAsync("x"u8.ToArray()).WaitAsync(TimeSpan.FromSeconds(15));
        var follower = cluster.Drivers.First(d => d != leader);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (follower.Status.LeaderId == 0 && DateTime.UtcNow < deadline) await Task.Delay(10);
        var e = await Assert.ThrowsAsync<NotLeaderException>(() => follower.ProposeAsync("y"u8.ToArray()));
        Assert.Equal(leader.Status.Id, e.LeaderId);
    }

    [Fact]
    public async Task Follower_WhenItsServerRestarts_PeersReconnectAndItCatchesUpBySnapshot()
    {
        await using var cluster = await LoopbackRaftCluster.StartAsync(3, fsync: false, tick: TimeSpan.FromMilliseconds(20),
            new RaftDriverOptions { SnapshotEveryEntries = 50, EntriesKeptAfterSnapshot = 5 });
        var leader = await cluster.ElectAsync(TimeSpan.FromSeconds(15));
        var lagging = cluster.Drivers.FindIndex(d => d != leader);
        await cluster.StopServerAsync(lagging);
        // The other two still form a quorum; the leader compacts past what the stopped node has.
        for (var i = 0; i < 300; i++) await leader.ProposeAsync(BitConverter.GetBytes(i)).WaitAsync(TimeSpan.FromSeconds(15));
        var target = leader.Status.CommitIndex;
        await cluster.StartServerAsync(lagging);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (cluster.Drivers[lagging].Status.AppliedIndex < target)
        {
            Assert.True(DateTime.UtcNow < deadline,
                $"node {lagging + 1} did not catch up to {target} after its server came back: {cluster.Drivers[lagging].Status}");
            await Task.Delay(20);
        }
        // The entries it missed were compacted away, so it must have installed the leader's snapshot.
        Assert.True(cluster.StateMachines[lagging].Restores > 0, "the lagging node never installed a snapshot");
        Assert.Equal(cluster.StateMachines[cluster.Drivers.IndexOf(leader)].Applied, cluster.StateMachines[lagging].Applied);
    }
}
