using System.Diagnostics;
using Confluent.Kafka;
using Fjord.Integration.Tests.Harness;
using Fjord.Rpc.Admin;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// KIP-853 on five real processes: one bootstrap voter (node 0) and four nodes that join as observers. The voters
/// grow 1 → 3 → 5 and shrink back to 3 one change at a time — with AddRaftVoter / RemoveRaftVoter (API keys 80/81)
/// sent to an observer, which forwards them to the Raft leader — while an idempotent acks=all Confluent.Kafka producer
/// runs; every acknowledged record is read back exactly once. Removing node 0 removes the leader that created the
/// cluster. Restarted nodes keep the voter set of the log, not of <c>--voters</c>, and a sixth node started last joins
/// through its bootstrap voter, node 0, which no longer leads (nor votes) and names the leader and its address.
/// </summary>
public sealed class ClusterDynamicQuorumTests(ITestOutputHelper output)
{
    private const short None = 0, RequestTimedOut = 7, DuplicateVoter = 126, VoterNotFound = 127;

    private static readonly string[] s_settings = ["broker.session.timeout.ms=4000", "broker.heartbeat.interval.ms=500"];

    [Fact]
    public void Voters_GrowFrom1To3To5AndShrinkTo3_WithTheQuorumAvailableAndEveryAckedRecordReadBackOnce()
    {
        using var cluster = ClusterProcess.Create(1, 5, s_settings);
        var late = cluster.Nodes[5];
        foreach (var node in cluster.Nodes.Where(n => n != late)) cluster.Launch(node);
        foreach (var node in cluster.Nodes.Where(n => n != late)) node.WaitUntilReady(TimeSpan.FromSeconds(60));
        using var admin = new AdminChannels(cluster);
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { Brokers.Length: 5 }, TimeSpan.FromSeconds(60),
            () => $"five unfenced brokers\n{cluster.Output}");
        Eventually.True(() => Quorum(admin, 1) is { } q && q.Observers.Count == 4, TimeSpan.FromSeconds(60),
            () => $"four observers of the one-voter quorum\n{cluster.Output}");
        ClusterClient.CreateTopic(cluster.BootstrapServers, "voters-live", 3, 3, TimeSpan.FromSeconds(30));

        using var producer = new BackgroundProducer(cluster.BootstrapServers, "voters-live");
        Eventually.True(() => producer.Acknowledged > 20, TimeSpan.FromSeconds(30), () => $"the producer running: {producer}\n{cluster.Output}");

        var observer = cluster.Nodes[4].KafkaPort;
        var clock = Stopwatch.StartNew();
        var steps = new List<string>();
        void Change(bool add, int node, int[] expected)
        {
            var started = clock.Elapsed;
            var acked = producer.Acknowledged;
            (short Error, string? Message) last = default;
            var attempts = 0;
            // REQUEST_TIMED_OUT is KIP-853's "retry": the observer is still catching up, or the previous change (or a new
            // leader's first entry) is not committed yet.
            Eventually.True(() =>
            {
                attempts++;
                last = add ? RawAdminRequests.AddRaftVoter(observer, node) : RawAdminRequests.RemoveRaftVoter(observer, node);
                return last.Error != RequestTimedOut;
            }, TimeSpan.FromSeconds(60), () => $"{(add ? "adding" : "removing")} voter {node}: last {last}\n{cluster.Output}");
            Assert.True(last.Error == None, $"{(add ? "adding" : "removing")} voter {node}: {last}\n{cluster.Output}");
            Eventually.True(() => Quorum(admin, 0) is { LeaderId: >= 0 } q && q.Voters.Select(v => v.NodeId).Order().SequenceEqual(expected),
                TimeSpan.FromSeconds(30), () => $"voters {string.Join(",", expected)} with a leader; last {Quorum(admin, 0)}\n{cluster.Output}");
            Eventually.True(() => producer.Acknowledged > acked + 10, TimeSpan.FromSeconds(60),
                () => $"the producer acknowledged after {(add ? "adding" : "removing")} {node}: {producer}\n{cluster.Output}");
            steps.Add($"{(add ? "+" : "-")}{node} in {(clock.Elapsed - started).TotalMilliseconds:F0} ms ({attempts} attempt(s))");
        }

        Change(add: true, 1, [0, 1]);
        Change(add: true, 2, [0, 1, 2]);
        Assert.Equal(DuplicateVoter, RawAdminRequests.AddRaftVoter(observer, 2).Error);
        Change(add: true, 3, [0, 1, 2, 3]);
        Change(add: true, 4, [0, 1, 2, 3, 4]);
        Change(add: false, 0, [1, 2, 3, 4]);
        Change(add: false, 4, [1, 2, 3]);
        Assert.Equal(VoterNotFound, RawAdminRequests.RemoveRaftVoter(observer, 4).Error);

        // The bootstrap voter (now an observer) and a promoted voter restart with the log's voter set, not --voters'.
        foreach (var node in new[] { 0, 3 })
        {
            var acked = producer.Acknowledged;
            cluster.Restart(cluster.Nodes[node]);
            Eventually.True(() => Quorum(admin, node) is { LeaderId: >= 0 } q && q.Voters.Select(v => v.NodeId).Order().SequenceEqual([1, 2, 3])
                    && q.Observers.Any(o => o.NodeId == 0),
                TimeSpan.FromSeconds(60), () => $"node {node} restarted, describing voters 1,2,3; last {Quorum(admin, node)}\n{cluster.Output}");
            Eventually.True(() => producer.Acknowledged > acked + 10, TimeSpan.FromSeconds(60),
                () => $"the producer acknowledged after restarting {node}: {producer}\n{cluster.Output}");
        }

        // A new node whose --voters names only node 0, now an observer: it follows node 0's hint to the leader. It
        // advertises its rpc listener by name (rpc.advertised), and the quorum records and dials that name.
        late.Launch(cluster.Voters, [.. s_settings, $"rpc.advertised=localhost:{late.RpcPort}"]);
        late.WaitUntilReady(TimeSpan.FromSeconds(60));
        Eventually.True(() => Quorum(admin, 1) is { } q && q.Observers.Any(o => o.NodeId == late.Id && o.RpcAddress == $"localhost:{late.RpcPort}"),
            TimeSpan.FromSeconds(60), () => $"node {late.Id} an observer at localhost:{late.RpcPort} after joining through node 0; last {Quorum(admin, 1)}\n{cluster.Output}");
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { Brokers.Length: 6 }, TimeSpan.FromSeconds(60),
            () => $"six unfenced brokers\n{cluster.Output}");

        producer.Stop();
        var acknowledged = producer.AcknowledgedValues();
        var read = ReadAll(cluster.BootstrapServers, "voters-live", acknowledged.Count);
        var counts = read.GroupBy(v => v).ToDictionary(g => g.Key, g => g.Count());
        var missing = acknowledged.Where(v => !counts.ContainsKey(v)).ToList();
        var duplicated = counts.Where(c => c.Value > 1).Select(c => c.Key).ToList();
        Assert.True(missing.Count == 0 && duplicated.Count == 0,
            $"{acknowledged.Count} acknowledged, {read.Count} read: missing {missing.Count} (first {string.Join(",", missing.Take(5))}), " +
            $"duplicated {duplicated.Count} (first {string.Join(",", duplicated.Take(5))}); producer {producer}\n{cluster.Output}");
        output.WriteLine($"voters 1→3→5→3 with a producer running: {string.Join("; ", steps)}; {producer}; every one of {acknowledged.Count} acknowledged records read back once");
    }

    private static DescribeQuorumResponse? Quorum(AdminChannels admin, int node)
    {
        try
        {
            var reply = admin[node].DescribeQuorum(new DescribeQuorumRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
            return reply.Error is { Code: not 0 } ? null : reply;
        }
        catch (Grpc.Core.RpcException)
        {
            return null; // the node is (re)starting
        }
    }

    private static List<string> ReadAll(string bootstrapServers, string topic, int expected)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "dynamic-quorum-check",
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var values = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var idleSince = DateTime.UtcNow;
        // Read until every acknowledged value could be there and nothing more arrives for 3 s (to see duplicates too).
        while (DateTime.UtcNow < deadline && (values.Count < expected || DateTime.UtcNow - idleSince < TimeSpan.FromSeconds(3)))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500))?.Message is { } message)
            {
                values.Add(message.Value);
                idleSince = DateTime.UtcNow;
            }
        }
        return values;
    }
}
