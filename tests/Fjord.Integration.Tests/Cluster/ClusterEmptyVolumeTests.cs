using System.Diagnostics;
using Confluent.Kafka;
using Fjord.Integration.Tests.Harness;
using Fjord.Rpc.Admin;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// KIP-903 on real processes: a broker that comes back from kill -9 with an emptied data directory (a lost volume;
/// the metadata log kept, as on its own metadata.log.dir)
/// must not lead the data it no longer has. 3 voters and a learner (4); partition replicas [learner, voter] with
/// min.insync.replicas=2, so every acknowledged record is on both. The learner dies, the ISR shrinks to the voter
/// (writes stop: NOT_ENOUGH_REPLICAS); the voter (not the controller) dies and its directory is wiped; the learner
/// returns (out of the ISR, the partition stays leaderless); the voter returns empty — it was the ISR's last member,
/// and before the fix it was elected and the learner truncated every record to its empty log. Now it leaves the
/// ISR, the partition stays offline, and an unclean election (the only way out, as in Kafka) picks the first live
/// replica, the learner, which still has everything.
/// </summary>
public sealed class ClusterEmptyVolumeTests(ITestOutputHelper output)
{
    private const string Topic = "lost-volume";

    [Fact]
    public void BrokerReturningWithAnEmptyDataDir_IsNeverElectedFromItsLostIsr_AndNoAcknowledgedRecordIsLost()
    {
        using var cluster = ClusterProcess.StartWithLearners(3, 1, "broker.session.timeout.ms=4000", "broker.heartbeat.interval.ms=500",
            "unclean.leader.election.enable=false");
        using var channels = new AdminChannels(cluster);
        DescribeClusterResponse? described = null;
        Eventually.True(() => (described = channels[0].DescribeCluster(new DescribeClusterRequest())) is { ControllerId: >= 0, Brokers.Count: 4, FencedBrokers: 0 },
            TimeSpan.FromSeconds(30), () => $"4 unfenced brokers and a controller; last {described}\n{cluster.Output}");
        var learner = cluster.Nodes[3];
        var voter = cluster.Nodes.First(n => n.Id < 3 && n.Id != described!.ControllerId);
        var admin = channels[cluster.Nodes.First(n => n.Id < 3 && n != voter).Id];
        output.WriteLine($"controller {described!.ControllerId}; replicas [voter {voter.Id}, learner {learner.Id}]");

        var create = new CreateTopicRequest { Name = Topic, Partitions = -1, ReplicationFactor = -1 };
        create.Assignments.Add(new PartitionAssignment { Partition = 0, Replicas = { learner.Id, voter.Id } });
        create.Configs["min.insync.replicas"] = "2";
        var created = admin.CreateTopic(create);
        Assert.True(created.Error.Code == 0, created.Error.ToString());
        WaitForPartition(admin, cluster, p => p.Leader == learner.Id && p.Isr.Count == 2, "led by the learner with both replicas in sync");

        var acknowledged = new List<string>();
        using (var producer = ClusterClient.IdempotentProducer(cluster.BootstrapServers))
        {
            for (var i = 0; i < 200; i++)
            {
                var value = $"record-{i}";
                producer.Produce(Topic, new Message<Null, string> { Value = value }, r =>
                {
                    if (r.Error.Code == ErrorCode.NoError)
                        lock (acknowledged) acknowledged.Add(value);
                });
            }
            producer.Flush(TimeSpan.FromSeconds(30));
        }
        Assert.Equal(200, acknowledged.Count);

        learner.Kill();
        WaitForPartition(admin, cluster, p => p.Leader == voter.Id && p.Isr.SequenceEqual([voter.Id]), "the voter alone in the ISR after the learner was fenced");
        voter.Kill();
        WaitForPartition(admin, cluster, p => p.Leader == -1 && p.Isr.SequenceEqual([voter.Id]), "leaderless, the killed voter the ISR's last member");
        // The partition data volume is lost; the metadata log survives (as on a separate metadata.log.dir). A wiped
        // metadata log as well keeps a voter or learner from rejoining the quorum at all today: a separate problem.
        foreach (var entry in new DirectoryInfo(voter.DataDir).EnumerateFileSystemInfos().Where(e => e.Name != "__cluster_metadata"))
        {
            if (entry is DirectoryInfo dir) dir.Delete(recursive: true);
            else entry.Delete();
        }
        output.WriteLine($"voter {voter.Id} killed and its data directory {voter.DataDir} emptied but for __cluster_metadata");

        cluster.Restart(learner);
        Eventually.True(() => admin.DescribeCluster(new DescribeClusterRequest()).Brokers.Single(b => b.Id == learner.Id) is { Fenced: false },
            TimeSpan.FromSeconds(30), () => $"learner {learner.Id} back and unfenced\n{cluster.Output}");
        var clock = Stopwatch.StartNew();
        cluster.Restart(voter);
        Eventually.True(() => admin.DescribeCluster(new DescribeClusterRequest()).Brokers.Single(b => b.Id == voter.Id) is { Fenced: false },
            TimeSpan.FromSeconds(30), () => $"voter {voter.Id} back (empty) and unfenced\n{cluster.Output}");
        var state = WaitForPartition(admin, cluster, p => p.Isr.Count == 0, "the empty voter out of the ISR");
        Assert.Equal(-1, state.Leader);
        output.WriteLine($"voter back empty after {clock.ElapsedMilliseconds} ms: leader {state.Leader}, ISR [{string.Join(',', state.Isr)}]");

        // The only way out is an unclean election, which takes the first live replica: the learner, which has every record.
        var election = admin.ElectLeaders(new ElectLeadersRequest { Type = Fjord.Rpc.Admin.ElectionType.Unclean, Partitions = { new Fjord.Rpc.Admin.TopicPartition { Topic = Topic, Partition = 0 } } });
        Assert.True((election.Error?.Code ?? 0) == 0, election.ToString());
        WaitForPartition(admin, cluster, p => p.Leader == learner.Id, "the learner elected uncleanly");
        var read = ReadAll(cluster.BootstrapServers, acknowledged.Count);
        Assert.Equal(acknowledged.Order(StringComparer.Ordinal), read.Order(StringComparer.Ordinal));
        clock.Restart();
        WaitForPartition(admin, cluster, p => p.Isr.Count == 2, "the voter re-replicated and back in the ISR");
        output.WriteLine($"all {read.Count} acknowledged records read back once from learner {learner.Id}; voter back in the ISR {clock.ElapsedMilliseconds} ms after the election");
    }

    private static PartitionState WaitForPartition(AdminService.AdminServiceClient admin, ClusterProcess cluster, Func<PartitionState, bool> condition, string what)
    {
        PartitionState? last = null;
        Eventually.True(() => (last = admin.DescribeTopics(new DescribeTopicsRequest { Names = { Topic } }).Topics.SingleOrDefault()?.Partitions.Single()) is { } p && condition(p),
            TimeSpan.FromSeconds(40), () => $"partition 0: {what}; last {last}\n{cluster.Output}");
        return last!;
    }

    private static List<string> ReadAll(string bootstrapServers, int expected)
    {
        using var consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"lost-volume-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(Topic, 0, Offset.Beginning));
        var values = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (values.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { Message: { } message }) values.Add(message.Value);
        }
        return values;
    }
}
