using System.Diagnostics;
using Confluent.Kafka;
using Fjord.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Fjord.Integration.Tests.Cluster;

/// <summary>
/// Brokers killed with SIGKILL come back as new incarnations while the metadata image still holds their old ones
/// unfenced: across 3 real processes, each restarted broker must be registered, caught up and unfenced again (its
/// /readyz) once the old session has run out, and clients work. Two cases: two of three voters killed (the
/// controller quorum is lost and regained), and one killed with the quorum healthy (a fast restart).
/// </summary>
public sealed class ClusterReRegistrationTests(ITestOutputHelper output)
{
    private const int SessionTimeoutMs = 5000;
    private static readonly string[] s_settings = [$"broker.session.timeout.ms={SessionTimeoutMs}", "broker.heartbeat.interval.ms=500"];

    [Fact]
    public void TwoOfThreeVotersKilled_QuorumLostAndRegained_EveryBrokerRegistersUnfencedAgain_AndClientsWork() =>
        KillRestartAndCheck(killed: 2, "reregister-quorum-lost");

    [Fact]
    public void OneBrokerKilledWithTheQuorumHealthy_FastRestart_RegistersUnfencedAgain_AndClientsWork() =>
        KillRestartAndCheck(killed: 1, "reregister-fast-restart");

    /// <summary>
    /// The whole machine stalls again and again (every process SIGSTOPped together for longer than half a session, as
    /// on a starved CI host) while a killed broker's next incarnation waits to register. The controller answers each
    /// stall by renewing sessions; the old incarnation, silent throughout, must still run out of session, so the new
    /// one registers while the stalls go on. The loop stops stalling once every node is ready, or at the deadline.
    /// </summary>
    [Fact]
    public void BrokerKilled_WhileTheWholeClusterKeepsStalling_RegistersOnceItsOldSessionRunsOut()
    {
        using var cluster = ClusterProcess.Start(3, s_settings);
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { ControllerId: >= 0, Brokers: [0, 1, 2] },
            TimeSpan.FromSeconds(60), () => $"3 brokers and a controller\n{cluster.Output}");
        var controller = ClusterClient.Describe(cluster.BootstrapServers)!.Value.ControllerId!.Value;
        var victim = cluster.Nodes.First(n => n.Id != controller);
        output.WriteLine($"controller {controller}; killing {victim.Id}");

        victim.Kill();
        cluster.Launch(victim);
        var restarted = Stopwatch.StartNew();
        // Over half a session (the controller's stall threshold), and a stall plus the run between two shorter than a
        // session: renewing every session at each stall would keep a dead broker's session alive for as long as they go on.
        var stall = TimeSpan.FromMilliseconds(SessionTimeoutMs * 0.6);
        var stalls = 0;
        var deadline = TimeSpan.FromSeconds(90);
        bool AllReady() => cluster.Nodes.All(n => n.ReadyzStatus() == 200);
        while (!AllReady() && restarted.Elapsed < deadline)
        {
            var running = cluster.Nodes.Where(n => n.ProcessId > 0).Select(n => n.ProcessId).ToArray();
            foreach (var pid in running) BrokerProcess.Signal(pid, "STOP");
            try
            {
                // The stall itself, not a wait for a condition: every process stands still for this long.
                Thread.Sleep(stall);
            }
            finally
            {
                foreach (var pid in running) BrokerProcess.Signal(pid, "CONT");
            }
            stalls++;
            // Between stalls the cluster runs for two heartbeat intervals.
            var resumed = Stopwatch.StartNew();
            while (resumed.Elapsed < TimeSpan.FromSeconds(1) && !AllReady()) Thread.Sleep(100);
        }
        output.WriteLine($"{stalls} whole-cluster stalls of {stall.TotalMilliseconds} ms; every node ready {restarted.Elapsed.TotalSeconds:F1} s after node {victim.Id} restarted");
        output.WriteLine($"node {victim.Id}: {CountOf(victim.Output, "registration refused: DuplicateBrokerRegistration")} DuplicateBrokerRegistration refusals; "
            + $"stall renewals logged: {cluster.Nodes.Sum(n => CountOf(n.Output, "did not run for"))}");
        Assert.True(AllReady(), $"not every node ready {restarted.Elapsed} after node {victim.Id} restarted, with the cluster stalling throughout\n{cluster.Output}");
    }

    /// <summary>Kills <paramref name="killed"/> followers of a 3-replica partition, restarts them at once and waits for every node's /readyz.</summary>
    private void KillRestartAndCheck(int killed, string topic)
    {
        using var cluster = ClusterProcess.Start(3, s_settings);
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { ControllerId: >= 0, Brokers: [0, 1, 2] },
            TimeSpan.FromSeconds(60), () => $"3 brokers and a controller\n{cluster.Output}");
        ClusterClient.CreateTopic(cluster.BootstrapServers, topic, 1, 3, TimeSpan.FromSeconds(30));
        Dictionary<int, int>? leaders = null;
        Eventually.True(() => (leaders = ClusterClient.Leaders(cluster.BootstrapServers, topic)) is { Count: 1 } l && l[0] >= 0,
            TimeSpan.FromSeconds(30), () => $"a leader for {topic}-0\n{cluster.Output}");
        var victims = cluster.Nodes.Where(n => n.Id != leaders![0]).Take(killed).ToArray();
        output.WriteLine($"controller {ClusterClient.Describe(cluster.BootstrapServers)?.ControllerId}, {topic}-0 led by {leaders![0]}; killing {string.Join(",", victims.Select(v => v.Id))}");

        foreach (var victim in victims) victim.Kill();
        var restarted = Stopwatch.StartNew();
        foreach (var victim in victims) cluster.Launch(victim);

        // /readyz answers 200 only for a broker registered with this incarnation, caught up and unfenced.
        Eventually.True(() => cluster.Nodes.All(n => n.ReadyzStatus() == 200), TimeSpan.FromSeconds(120),
            () => $"every node ready (registered and unfenced) again\n{cluster.Output}");
        output.WriteLine($"every broker registered and unfenced {restarted.Elapsed.TotalSeconds:F1} s after the restart (session {SessionTimeoutMs} ms)");
        foreach (var victim in victims)
            output.WriteLine($"node {victim.Id}: {CountOf(victim.Output, "registration refused: DuplicateBrokerRegistration")} DuplicateBrokerRegistration refusals in its log");
        Eventually.True(() => ClusterClient.Describe(cluster.BootstrapServers) is { ControllerId: >= 0, Brokers: [0, 1, 2] },
            TimeSpan.FromSeconds(30), () => $"3 brokers in Metadata\n{cluster.Output}");

        var produced = Produce(cluster.BootstrapServers, topic, 50);
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = topic + "-check",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var consumed = new List<string>();
        Eventually.True(() =>
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { Message: { } m }) consumed.Add(m.Value);
            return consumed.Count >= produced.Count;
        }, TimeSpan.FromSeconds(60), () => $"{produced.Count} records consumed (have {consumed.Count})\n{cluster.Output}");
        Assert.Equal(produced, consumed);
        output.WriteLine($"{produced.Count} records produced with acks=all and consumed back {restarted.Elapsed.TotalSeconds:F1} s after the restart");
    }

    private static List<string> Produce(string bootstrapServers, string topic, int count)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            MessageTimeoutMs = 60_000,
        }).Build();
        var values = Enumerable.Range(0, count).Select(i => $"{topic}-{i}").ToList();
        var failures = new List<string>();
        foreach (var value in values)
            producer.Produce(topic, new Message<Null, string> { Value = value }, r => { if (r.Error.IsError) lock (failures) failures.Add(r.Error.Reason); });
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(90)));
        Assert.Empty(failures);
        return values;
    }

    private static int CountOf(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal)) count++;
        return count;
    }
}
