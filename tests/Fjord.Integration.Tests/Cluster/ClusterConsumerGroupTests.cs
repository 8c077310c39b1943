using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Fjord.Integration.Tests.Harness;
using Fjord.Protocol.Messages;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// Consumer groups in a 3-node cluster of real processes: <c>__consumer_offsets</c> is replicated (RF 3), the
/// coordinator is the leader of the group's partition, and members that bootstrap from different nodes meet
/// there. Killing the coordinator's node with SIGKILL moves the group to the partition's new leader, which
/// reloads the committed offsets from its replica. Members are Confluent.Kafka consumers, each bootstrapping
/// from its own node; the recovery time is printed to the test output.
/// </summary>
public sealed class ClusterConsumerGroupTests(ITestOutputHelper output)
{
    private const int Partitions = 6;
    private const string Group = "cluster-group";

    private static readonly string[] s_settings =
    [
        "broker.session.timeout.ms=4000", "broker.heartbeat.interval.ms=500", "offsets.topic.num.partitions=6",
        "offsets.topic.replication.factor=3", "group.initial.rebalance.delay.ms=1000",
    ];

    [Fact]
    public void MembersOnDifferentNodes_FormOneGroup_AndKillingTheCoordinator_MovesItWithItsCommittedOffsets()
    {
        using var cluster = ClusterProcess.Start(3, s_settings);
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { ControllerId: >= 0, Brokers: [0, 1, 2] },
            TimeSpan.FromSeconds(30), () => $"three brokers registered and a controller elected\n{cluster.Output}");
        const string topic = "cluster-group-events";
        ClusterClient.CreateTopic(cluster.BootstrapServers, topic, Partitions, 3, TimeSpan.FromSeconds(20));
        Eventually.True(() => ClusterClient.Leaders(cluster.BootstrapServers, topic) is { Count: Partitions } l && l.Values.All(x => x >= 0),
            TimeSpan.FromSeconds(20), () => $"{Partitions} partitions with leaders\n{cluster.Output}");

        Produce(cluster.BootstrapServers, topic, 0, 600);
        var members = cluster.Nodes.Select(n => new Member(n.BootstrapServers, topic)).ToList();
        try
        {
            // One group: every member consumed, the assignment is disjoint and complete, everything committed.
            Eventually.True(() => members.Sum(m => m.Records.Count) >= 600, TimeSpan.FromSeconds(90),
                () => $"the three members consumed 600 records; got {members.Sum(m => m.Records.Count)}; {Describe(cluster.BootstrapServers, topic)}; high watermarks {Watermarks(cluster.BootstrapServers, topic)}; {Errors(members)}\n{cluster.Output}");
            GroupState? state = null;
            Eventually.True(() => (state = Describe(cluster.Nodes[0].BootstrapServers, topic)) is { Stable: true, MemberCount: 3, CommittedTotal: 600 },
                TimeSpan.FromSeconds(60), () => $"a stable group of 3 members with 600 offsets committed; last {state}; {Errors(members)}\n{cluster.Output}");
            var coordinator = state!.Value.Coordinator;
            foreach (var node in cluster.Nodes)
            {
                Assert.Equal(coordinator, Describe(node.BootstrapServers, topic)?.Coordinator);
            }

            var assignments = members.Select(m => m.Assignment).ToList();
            Assert.All(assignments, a => Assert.NotEmpty(a));
            Assert.Equal(Enumerable.Range(0, Partitions), assignments.SelectMany(a => a).Order());
            Assert.Equal(600, members.SelectMany(m => m.Records.Keys).Distinct().Count());

            // Kill the coordinator's node; the group must come up at the new leader of its partition.
            foreach (var member in members) member.CommitEnabled = false;
            var clock = Stopwatch.StartNew();
            cluster.Nodes[coordinator].Kill();
            var survivors = cluster.BootstrapServersExcept(coordinator);
            GroupState? moved = null;
            Eventually.True(() => (moved = Describe(survivors, topic)) is { Stable: true, CommittedTotal: 600 } s && s.Coordinator != coordinator,
                TimeSpan.FromSeconds(60), () => $"the group stable at a coordinator other than node {coordinator} with 600 offsets; last {moved}\n{cluster.Output}");
            var described = clock.Elapsed;

            // The live members commit at the new coordinator (30 records), then leave an uncommitted tail (30 records).
            foreach (var member in members) member.CommitEnabled = true;
            Produce(survivors, topic, 600, 30);
            Eventually.True(() => Describe(survivors, topic) is { CommittedTotal: 630 }, TimeSpan.FromSeconds(60),
                () => $"630 offsets committed at the new coordinator; last {Describe(survivors, topic)}; {Errors(members)}\n{cluster.Output}");
            var committedAgain = clock.Elapsed;
            foreach (var member in members) member.CommitEnabled = false;
            var before = members.SelectMany(m => m.Records.Keys).ToHashSet();
            Produce(survivors, topic, 630, 30);
            Eventually.True(() => members.SelectMany(m => m.Records.Keys).Distinct().Count() >= 660, TimeSpan.FromSeconds(60),
                () => $"the members consumed the 30-record tail; {Errors(members)}");
            var tail = members.SelectMany(m => m.Records.Keys).Where(k => !before.Contains(k)).ToHashSet();
            Assert.Equal(30, tail.Count);
            output.WriteLine($"coordinator node {coordinator} killed: group stable at node {moved!.Value.Coordinator} with its offsets after {described.TotalMilliseconds:F0} ms; " +
                $"commits succeed again after {committedAgain.TotalMilliseconds:F0} ms");

            // Fresh members resume from the committed offsets: exactly the uncommitted tail, nothing earlier, nothing skipped.
            Assert.All(members, m => Assert.True(m.FatalError is null, $"a member stopped on a fatal client error: {m.FatalError}"));
            foreach (var member in members) member.Dispose();
            members.Clear();
            members.AddRange(cluster.Nodes.Where(n => n.Id != coordinator).Select(n => new Member(n.BootstrapServers, topic)));
            Eventually.True(() => members.SelectMany(m => m.Records.Keys).Distinct().Count() >= 30, TimeSpan.FromSeconds(90),
                () => $"the new members re-read the 30-record tail; got {members.Sum(m => m.Records.Count)}; {Errors(members)}\n{cluster.Output}");
            var reread = members.SelectMany(m => m.Records.Keys).ToHashSet();
            // Records arrive in offset order per partition and every partition has tail records, so any
            // re-read of committed records would have arrived before the tail.
            Assert.Equal(tail.Order(), reread.Order());
            Assert.All(members, m => Assert.True(m.FatalError is null, $"a member stopped on a fatal client error: {m.FatalError}"));
            output.WriteLine($"fresh members resumed from the committed offsets {clock.Elapsed.TotalMilliseconds:F0} ms after the kill; re-read exactly the {tail.Count}-record uncommitted tail");
        }
        finally
        {
            foreach (var member in members) member.Dispose();
        }
    }

    [Fact]
    public void FindCoordinator_WithFewerBrokersThanTheReplicationFactor_IsNotAvailable_ThenEveryNodeNamesTheSameLeader()
    {
        using var cluster = ClusterProcess.Create(3, 0, s_settings);
        cluster.Launch(cluster.Nodes[0]);
        cluster.Launch(cluster.Nodes[1]);
        cluster.Nodes[0].WaitUntilReady(TimeSpan.FromSeconds(60));
        cluster.Nodes[1].WaitUntilReady(TimeSpan.FromSeconds(60));

        // Kafka refuses to create __consumer_offsets with fewer live brokers than offsets.topic.replication.factor.
        var early = FindCoordinator(cluster.Nodes[0].KafkaPort, 4, ["early-a", "early-b"]);
        Assert.All(early.Coordinators, c => Assert.Equal(15, c.ErrorCode));
        Assert.DoesNotContain("__consumer_offsets", ClusterClient.TopicNames(cluster.BootstrapServers) ?? []);

        cluster.Launch(cluster.Nodes[2]);
        cluster.Nodes[2].WaitUntilReady(TimeSpan.FromSeconds(60));
        string[] groups = ["orders", "payments", "audit"];
        Eventually.True(() => FindCoordinator(cluster.Nodes[2].KafkaPort, 4, groups).Coordinators.All(c => c.ErrorCode == 0), TimeSpan.FromSeconds(30),
            () => $"__consumer_offsets created and led once three brokers are registered\n{cluster.Output}");

        Dictionary<int, int>? leaders = null;
        Eventually.True(() => (leaders = ClusterClient.Leaders(cluster.BootstrapServers, "__consumer_offsets")) is { Count: Partitions }, TimeSpan.FromSeconds(30),
            "Metadata lists the six __consumer_offsets partitions");
        var answers = cluster.Nodes.Select(n => FindCoordinator(n.KafkaPort, 4, groups).Coordinators.Select(c => (c.ErrorCode, c.NodeId, c.Port)).ToList()).ToList();
        Assert.All(answers, a => Assert.Equal(answers[0], a));
        Assert.All(answers[0], a => Assert.Contains(a.NodeId, leaders!.Values));
        for (var i = 0; i < groups.Length; i++)
        {
            // v3 (one key) agrees with v4 (batched).
            var single = FindCoordinator(cluster.Nodes[i].KafkaPort, 3, [groups[i]]);
            Assert.Equal((0, answers[0][i].NodeId), (single.ErrorCode, single.NodeId));
        }

        // A group request to a node that does not coordinate the group: NOT_COORDINATOR, so the client looks it up again.
        var coordinator = answers[0][0].NodeId;
        var other = cluster.Nodes.First(n => n.Id != coordinator);
        using var connection = new RawKafkaConnection(other.KafkaPort);
        var heartbeat = new HeartbeatRequest { GroupId = groups[0], GenerationId = 1, MemberId = "m" };
        var correlationId = connection.Send(heartbeat, 4);
        Assert.Equal(16, connection.Receive<HeartbeatResponse>(heartbeat.ApiKey, 4, correlationId).ErrorCode);
    }

    private static FindCoordinatorResponse FindCoordinator(int kafkaPort, short version, string[] groups)
    {
        using var connection = new RawKafkaConnection(kafkaPort);
        var request = version >= 4
            ? new FindCoordinatorRequest { KeyType = 0, CoordinatorKeys = [.. groups] }
            : new FindCoordinatorRequest { KeyType = 0, Key = groups[0] };
        var correlationId = connection.Send(request, version);
        var response = connection.Receive<FindCoordinatorResponse>(request.ApiKey, version, correlationId);
        if (version < 4)
        {
            response.Coordinators.Add(new FindCoordinatorResponse.Coordinator { Key = groups[0], ErrorCode = response.ErrorCode, NodeId = response.NodeId, Port = response.Port });
        }

        return response;
    }

    /// <summary>Writes values first..first+count-1 round-robin over the partitions (acks=all), so every partition gets some.</summary>
    private static void Produce(string bootstrapServers, string topic, int first, int count)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = bootstrapServers, Acks = Acks.All, EnableIdempotence = true, MessageTimeoutMs = 60_000 }).Build();
        var failed = new ConcurrentQueue<string>();
        for (var i = first; i < first + count; i++)
        {
            producer.Produce(new Confluent.Kafka.TopicPartition(topic, i % Partitions), new Message<Null, string> { Value = i.ToString() },
                report => { if (report.Error.IsError) failed.Enqueue(report.Error.Reason); });
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
        Assert.Empty(failed);
    }

    private static string Watermarks(string bootstrapServers, string topic)
    {
        using var probe = new ConsumerBuilder<Null, string>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = "probe" }).Build();
        return string.Join(",", Enumerable.Range(0, Partitions).Select(p => probe.QueryWatermarkOffsets(new Confluent.Kafka.TopicPartition(topic, p), TimeSpan.FromSeconds(5)).High.Value));
    }

    private static string Errors(List<Member> members) =>
        "per partition (assigned members): " + string.Join(", ", Enumerable.Range(0, Partitions).Select(p =>
            $"{p}: {members.SelectMany(m => m.Records.Keys).Where(k => k.Partition == p).Distinct().Count()} [{members.SelectMany(m => m.Records.Keys).Where(k => k.Partition == p).Select(k => k.Offset).DefaultIfEmpty(-1).Min()}-{members.SelectMany(m => m.Records.Keys).Where(k => k.Partition == p).Select(k => k.Offset).DefaultIfEmpty(-1).Max()}] ({string.Join('/', members.Select((m, i) => (m, i)).Where(x => x.m.Assignment.Contains(p)).Select(x => x.i))})"))
        + "; errors: " + string.Join(" | ", members.SelectMany(m => m.Errors).TakeLast(10))
        + "; fatal: " + string.Join(" | ", members.Select(m => m.FatalError).OfType<string>());

    private readonly record struct GroupState(bool Stable, int MemberCount, int Coordinator, long CommittedTotal);

    /// <summary>DescribeGroups and OffsetFetch through <paramref name="bootstrapServers"/>; null while either fails.</summary>
    private static GroupState? Describe(string bootstrapServers, string topic)
    {
        try
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers, SocketTimeoutMs = 3000 }).Build();
            var options = new DescribeConsumerGroupsOptions { RequestTimeout = TimeSpan.FromSeconds(3) };
            var description = admin.DescribeConsumerGroupsAsync([Group], options).GetAwaiter().GetResult().ConsumerGroupDescriptions.Single();
            var offsets = admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(Group, null)], new ListConsumerGroupOffsetsOptions { RequestTimeout = TimeSpan.FromSeconds(3) })
                .GetAwaiter().GetResult().Single().Partitions;
            var committed = offsets.Where(p => p.Topic == topic && p.Offset.Value >= 0).Sum(p => p.Offset.Value);
            return new GroupState(description.State == ConsumerGroupState.Stable, description.Members.Count, description.Coordinator.Id, committed);
        }
        catch (KafkaException)
        {
            return null;
        }
    }

    /// <summary>
    /// One group member on its own thread: consumes, remembers every (partition, offset) it saw, and while
    /// <see cref="CommitEnabled"/> commits what it consumed. Records and errors are safe to read from the test thread.
    /// </summary>
    private sealed class Member : IDisposable
    {
        private readonly IConsumer<Null, string> _consumer;
        private readonly Thread _thread;
        private readonly CancellationTokenSource _stop = new();
        private volatile bool _commitEnabled = true;
        private volatile int[] _assignment = [];

        public Member(string bootstrapServers, string topic)
        {
            _consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig
            {
                BootstrapServers = bootstrapServers,
                GroupId = Group,
                AutoOffsetReset = AutoOffsetReset.Earliest,
                EnableAutoCommit = false,
                SessionTimeoutMs = 10_000,
                HeartbeatIntervalMs = 500,
                SocketTimeoutMs = 5000,
            }).Build();
            _consumer.Subscribe(topic);
            _thread = new Thread(Run) { IsBackground = true };
            _thread.Start();
        }

        public ConcurrentDictionary<(int Partition, long Offset), string> Records { get; } = new();

        public ConcurrentQueue<string> Errors { get; } = new();

        private volatile string? _fatalError;

        /// <summary>The fatal client error that stopped this member, or null.</summary>
        public string? FatalError => _fatalError;

        public bool CommitEnabled
        {
            get => _commitEnabled;
            set => _commitEnabled = value;
        }

        public int[] Assignment => _assignment;

        private void Run()
        {
            var uncommitted = false;
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    var result = _consumer.Consume(TimeSpan.FromMilliseconds(100));
                    _assignment = [.. _consumer.Assignment.Select(tp => tp.Partition.Value)];
                    if (result is { IsPartitionEOF: false, Message: not null })
                    {
                        Records[(result.Partition.Value, result.Offset.Value)] = result.Message.Value;
                        uncommitted = true;
                    }

                    if (uncommitted && _commitEnabled)
                    {
                        _consumer.Commit();
                        uncommitted = false;
                    }
                }
                catch (KafkaException e) when (!e.Error.IsFatal)
                {
                    // Retriable, expected while the coordinator moves (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, a
                    // rebalance under way): keep going and retry; the test's failure messages show them.
                    Errors.Enqueue(e.Error.Reason);
                }
                catch (KafkaException e)
                {
                    // A fatal error ends this member: the test asserts there was none.
                    _fatalError = $"{e.Error.Code}: {e.Error.Reason}";
                    return;
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _thread.Join();
            _consumer.Close();
            _consumer.Dispose();
        }
    }
}
