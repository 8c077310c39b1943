using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Xunit.Abstractions;

namespace Fjord.Operator.EndToEnd.Tests;

/// <summary>
/// The operator end to end on kube-local with the real kubectl: the CRDs, the built operator as a process, and a
/// FjordCluster whose brokers are pods (host processes, each on its own pod IP, voters addressed by pod DNS). One cluster
/// goes through every step while an acks=all idempotent producer runs; afterwards every acknowledged record is read
/// back exactly once. Times are printed, never asserted.
/// </summary>
[Collection(KubeLocalCluster.Collection)]
public sealed class FjordClusterEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private const string Name = "e2e";
    private const string Topic = "orders";
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(5);

    private readonly KubeLocalCluster _kube = new();
    private OperatorProcess? _operator;

    private KubeLocalServer Server => _kube.Server;

    private string Manifest(int replicas, int controllers) => $$"""
        apiVersion: fjord.dev/v1alpha1
        kind: FjordCluster
        metadata:
          name: {{Name}}
        spec:
          replicas: {{replicas}}
          controllers: {{controllers}}
          storage: {size: 1Gi}
          rebalance: {throttleBytesPerSecond: 10485760}
          config:
            broker.session.timeout.ms: "6000"
            broker.heartbeat.interval.ms: "500"
          template:
            pod:
              terminationGracePeriodSeconds: 30
        """;

    [PodDnsFact]
    public void FjordCluster_ReadyScalesRollsAndFailsOver_WhileEveryAcknowledgedRecordSurvives()
    {
        Server.MustKubectl("apply", "-f", Path.Combine(KubeTools.RepoRoot, "deploy", "crds"));
        _operator = new OperatorProcess(Server.Kubeconfig);

        // 1. Apply → Ready: three brokers, one of them a controller quorum voter.
        var clock = Stopwatch.StartNew();
        Server.MustKubectlWithInput(Manifest(3, controllers: 1), "apply", "-f", "-");
        WaitForCondition("Ready", "True", "3 brokers ready");
        output.WriteLine($"[timing] cluster Ready {clock.Elapsed.TotalSeconds:F1} s after kubectl apply (3 brokers, 1 controller)");
        Assert.Equal("0", Server.MustKubectl("get", "fjordcluster", Name, "-o", "jsonpath={.status.voters}").Trim('[', ']'));

        using (var admin = Admin())
        {
            admin.CreateTopicsAsync([new TopicSpecification
            {
                Name = Topic, NumPartitions = 3, ReplicationFactor = 3,
                Configs = new() { ["min.insync.replicas"] = "2" },
            }]).GetAwaiter().GetResult();
        }
        using var producer = new AcknowledgedProducer(Bootstrap(), Topic);
        Eventually.True(() => producer.Acknowledged > 50, StepTimeout, () => $"the producer's first acknowledgements (failed {producer.Failed})\n{Diagnostics()}");
        producer.TakeLongestPause();

        // 1b. controllers 1 → 3: two voters added one at a time (KIP-853) through the admin API, no pod restarts.
        var uids = PodUids();
        clock.Restart();
        Patch("""{"spec":{"controllers":3}}""");
        Eventually.True(() => Server.Kubectl("get", "fjordcluster", Name, "-o", "jsonpath={.status.voters}").StandardOutput == "[0,1,2]",
            StepTimeout, () => $"voters 0, 1 and 2 in status\n{Diagnostics()}");
        output.WriteLine($"[timing] controllers 1 → 3 in {clock.Elapsed.TotalSeconds:F1} s; producer's longest pause {producer.TakeLongestPause().TotalSeconds:F2} s");
        Assert.Equal(uids, PodUids());
        Assert.Contains("VoterAdded", Server.MustKubectl("get", "events", "--field-selector", $"involvedObject.name={Name}", "-o", "jsonpath={.items[*].reason}"));

        // 2. A dynamic config: applied through the admin API, no pod restarts.
        clock.Restart();
        Patch("""{"spec":{"config":{"log.retention.ms":"7200000"}}}""");
        Eventually.True(() => TopicConfig("retention.ms") is { Value: "7200000", Source: ConfigSource.DynamicDefaultBrokerConfig },
            StepTimeout, () => $"retention.ms inherited from the dynamic cluster default\n{Diagnostics()}");
        output.WriteLine($"[timing] dynamic config applied in {clock.Elapsed.TotalSeconds:F1} s; producer's longest pause {producer.TakeLongestPause().TotalSeconds:F2} s");
        Assert.Equal(uids, PodUids());

        // 3. A static config: a rolling restart, one pod at a time, never two brokers down.
        using (var watch = new BrokersDownWatch(BrokerPods, 3))
        {
            clock.Restart();
            Patch("""{"spec":{"config":{"num.partitions":"2"}}}""");
            Eventually.True(() => PodUids() is { Count: 3 } now && now.All(p => !uids.Contains(p)) && Condition("Reconciling") is ("False", _),
                TimeSpan.FromMinutes(10), () => $"all 3 pods replaced and the rollout settled\n{Diagnostics()}");
            WaitForCondition("Ready", "True", "3 brokers ready after the rolling restart");
            output.WriteLine($"[timing] rolling restart of 3 brokers {clock.Elapsed.TotalSeconds:F1} s; producer's longest pause {producer.TakeLongestPause().TotalSeconds:F2} s; most brokers down at once {watch.MostDown}");
            Assert.True(watch.MostDown <= 1, $"{watch.MostDown} brokers were down at once during the rolling restart\n{watch.History}");
        }

        // 4. Delete the pod of partition 0's leader.
        var leader = Leader(0);
        clock.Restart();
        Server.MustKubectl("delete", "pod", $"{Name}-{leader}", "--wait=false");
        Eventually.True(() => Leader(0) is var now && now >= 0 && now != leader, StepTimeout, () => $"partition 0 led by another broker than {leader}\n{Diagnostics()}");
        var moved = clock.Elapsed;
        WaitForCondition("Ready", "True", "3 brokers ready after the leader's pod was deleted");
        output.WriteLine($"[timing] leader pod {Name}-{leader} deleted: leadership moved in {moved.TotalSeconds:F1} s, Ready again in {clock.Elapsed.TotalSeconds:F1} s; producer's longest pause {producer.TakeLongestPause().TotalSeconds:F2} s");

        // 5. 3 → 1 while every broker is one of 3 controllers, and an external listener (not supported yet): both
        // refused at admission by the CRD's validation rules.
        var belowControllers = Server.Kubectl("patch", "fjordcluster", Name, "--type=merge", "-p", """{"spec":{"replicas":1}}""");
        Assert.NotEqual(0, belowControllers.ExitCode);
        Assert.Contains("controllers must not exceed replicas", belowControllers.StandardError, StringComparison.Ordinal);
        output.WriteLine($"3 → 1 refused by the API server: {belowControllers.StandardError.Trim()}");
        var external = Server.Kubectl("patch", "fjordcluster", Name, "--type=merge", "-p", """{"spec":{"listeners":{"external":{"type":"NodePort"}}}}""");
        Assert.NotEqual(0, external.ExitCode);
        Assert.Contains("listeners.external is not supported yet", external.StandardError, StringComparison.Ordinal);

        // 6. 3 → 5 with the operator killed mid-scale and started again; then the built-in balancer spreads the
        // replicas onto brokers 3 and 4, its progress in status.operations.
        clock.Restart();
        Patch("""{"spec":{"replicas":5}}""");
        Eventually.True(() => Server.MustKubectl("get", "statefulset", Name, "-o", "jsonpath={.spec.replicas}").Trim() == "5", StepTimeout,
            () => $"the StatefulSet grown to 5\n{Diagnostics()}");
        _operator.Kill();
        output.WriteLine($"operator killed {clock.Elapsed.TotalSeconds:F1} s into the scale-out; starting a new one");
        _operator.Start();
        // The operation's phases as polled from here on: a small balance can finish before the brokers report Ready.
        var progress = new List<string>();
        string? TrackScaleOut()
        {
            var operation = ScaleOutOperation();
            if (operation is not null && progress.LastOrDefault() != operation) progress.Add(operation);
            return operation;
        }
        Eventually.True(() => TrackScaleOut() is var _ && ReadyBrokers() == 5 && Condition("Ready") is ("True", _), TimeSpan.FromMinutes(10),
            () => $"5 brokers ready after the operator restart\n{Diagnostics()}");
        output.WriteLine($"[timing] scale 3 → 5 (operator killed and restarted mid-scale) Ready in {clock.Elapsed.TotalSeconds:F1} s; producer's longest pause {producer.TakeLongestPause().TotalSeconds:F2} s");
        var balancing = Stopwatch.StartNew();
        Eventually.True(() => TrackScaleOut() is null && Condition("Reconciling") is ("False", _), TimeSpan.FromMinutes(10), () => $"the scale-out's balance completed\n{Diagnostics()}");
        output.WriteLine($"[timing] rebalance after 3 → 5 done {balancing.Elapsed.TotalSeconds:F1} s after the brokers were Ready ({clock.Elapsed.TotalSeconds:F1} s after the patch); producer's longest pause {producer.TakeLongestPause().TotalSeconds:F2} s");
        output.WriteLine($"status.operations ScaleOut as polled: {string.Join(" → ", progress)}");
        // A balance of a few hundred kilobytes can start and finish between two polls of status (the progress above is
        // what the polls happened to see); its Event and the replicas on brokers 3 and 4 show that it ran.
        Assert.Contains("RebalanceCompleted", Server.MustKubectl("get", "events"), StringComparison.Ordinal);
        var replicas = TopicReplicas();
        output.WriteLine($"replicas of {Topic} after the balance: {string.Join("; ", replicas.Select(p => $"p{p.Key}=[{string.Join(",", p.Value)}]"))}");
        Assert.Contains(replicas.Values, r => r.Contains(3));
        Assert.Contains(replicas.Values, r => r.Contains(4));

        // 6b. controllers 3 → 5: the new brokers become voters too.
        clock.Restart();
        Patch("""{"spec":{"controllers":5}}""");
        Eventually.True(() => Server.Kubectl("get", "fjordcluster", Name, "-o", "jsonpath={.status.voters}").StandardOutput == "[0,1,2,3,4]",
            StepTimeout, () => $"voters 0..4 in status\n{Diagnostics()}");
        output.WriteLine($"[timing] controllers 3 → 5 in {clock.Elapsed.TotalSeconds:F1} s; producer's longest pause {producer.TakeLongestPause().TotalSeconds:F2} s");

        // 7. 5 → 3 brokers and controllers with an RF=5 topic: refused with a condition and an Event, the StatefulSet
        // keeps 5 and the spec is kept (voters 3 and 4 stop voting meanwhile); once the topic is gone the same spec
        // drains brokers 3 and 4 and shrinks.
        using (var admin = Admin())
        {
            admin.CreateTopicsAsync([new TopicSpecification { Name = "wide", NumPartitions = 1, ReplicationFactor = 5 }]).GetAwaiter().GetResult();
        }
        Patch("""{"spec":{"replicas":3,"controllers":3}}""");
        Eventually.True(() => Condition("Reconciling") is (_, "ScaleInBelowReplicationFactor"), StepTimeout,
            () => $"the scale-in refused with ScaleInBelowReplicationFactor\n{Diagnostics()}");
        Assert.Equal("5", Server.MustKubectl("get", "statefulset", Name, "-o", "jsonpath={.spec.replicas}").Trim());
        output.WriteLine($"5 → 3 refused while topic wide has RF 5: {Server.MustKubectl("get", "fjordcluster", Name, "-o", "jsonpath={.status.conditions[?(@.type==\"Reconciling\")].message}")}");
        Assert.Contains("ScaleInBelowReplicationFactor", Server.MustKubectl("get", "events"), StringComparison.Ordinal);
        clock.Restart();
        using (var admin = Admin())
        {
            admin.DeleteTopicsAsync(["wide"]).GetAwaiter().GetResult();
        }
        Eventually.True(() => Server.MustKubectl("get", "statefulset", Name, "-o", "jsonpath={.spec.replicas}").Trim() == "3"
            && ReadyBrokers() == 3 && Condition("Ready") is ("True", _) && Condition("Reconciling") is ("False", _),
            TimeSpan.FromMinutes(10), () => $"drained back to 3 brokers\n{Diagnostics()}");
        output.WriteLine($"[timing] scale 5 → 3 drain {clock.Elapsed.TotalSeconds:F1} s after the blocking topic was deleted; producer's longest pause {producer.TakeLongestPause().TotalSeconds:F2} s");
        Assert.Equal("[0,1,2]", Server.MustKubectl("get", "fjordcluster", Name, "-o", "jsonpath={.status.voters}"));
        Assert.Contains("VoterRemoved", Server.MustKubectl("get", "events", "--field-selector", $"involvedObject.name={Name}", "-o", "jsonpath={.items[*].reason}"));

        // Every acknowledged record, read back once.
        var acknowledged = producer.Stop();
        var read = ReadAll(acknowledged.Count);
        output.WriteLine($"{acknowledged.Count} records acknowledged ({producer.Failed} failed); {read.Count} read back");
        Assert.Empty(acknowledged.Except(read.Keys));
        Assert.Empty(read.Where(r => r.Value > 1).Select(r => r.Key));
    }

    private void Patch(string json) => Server.MustKubectl("patch", "fjordcluster", Name, "--type=merge", "-p", json);

    private JsonElement? ClusterObject()
    {
        var result = Server.Kubectl("get", "fjordcluster", Name, "-o", "json");
        return result.ExitCode == 0 ? JsonDocument.Parse(result.StandardOutput).RootElement.Clone() : null;
    }

    private (string Status, string Reason)? Condition(string type)
    {
        if (ClusterObject() is not { } cluster || !cluster.TryGetProperty("status", out var status) || !status.TryGetProperty("conditions", out var conditions))
        {
            return null;
        }
        foreach (var condition in conditions.EnumerateArray())
        {
            if (condition.GetProperty("type").GetString() == type)
            {
                return (condition.GetProperty("status").GetString()!, condition.TryGetProperty("reason", out var reason) ? reason.GetString()! : "");
            }
        }
        return null;
    }

    /// <summary>The ScaleOut operation in status as "phase done/total: message", or null when there is none.</summary>
    private string? ScaleOutOperation()
    {
        if (ClusterObject() is not { } cluster || !cluster.TryGetProperty("status", out var status) || !status.TryGetProperty("operations", out var operations))
        {
            return null;
        }
        foreach (var operation in operations.EnumerateArray().Where(o => o.GetProperty("type").GetString() == "ScaleOut"))
        {
            string Field(string name) => operation.TryGetProperty(name, out var value) ? value.ToString() : "";
            return $"{Field("phase")} {Field("done")}/{Field("total")}: {Field("message")}";
        }
        return null;
    }

    /// <summary>The test topic's replica lists by partition, from Kafka's DescribeTopics.</summary>
    private Dictionary<int, List<int>> TopicReplicas()
    {
        using var admin = Admin();
        var described = admin.DescribeTopicsAsync(TopicCollection.OfTopicNames([Topic])).GetAwaiter().GetResult();
        return described.TopicDescriptions.Single().Partitions.ToDictionary(p => p.Partition, p => p.Replicas.Select(n => n.Id).ToList());
    }

    private int ReadyBrokers() =>
        ClusterObject() is { } cluster && cluster.TryGetProperty("status", out var status) && status.TryGetProperty("readyBrokers", out var ready) ? ready.GetInt32() : -1;

    private void WaitForCondition(string type, string expected, string what) =>
        Eventually.True(() => Condition(type) is var (status, _) && status == expected, StepTimeout, () => $"{what}: {type}={expected}\n{Diagnostics()}");

    private List<JsonElement> BrokerPods() => _kube.Pods($"app.kubernetes.io/instance={Name}");

    private HashSet<string> PodUids() =>
        [.. BrokerPods().Where(p => !KubeLocalCluster.IsTerminating(p)).Select(p => p.GetProperty("metadata").GetProperty("uid").GetString()!)];

    /// <summary>The brokers' Kafka addresses (pod IPs, reachable from the host), for the test's clients.</summary>
    private string Bootstrap() => string.Join(',', BrokerPods()
        .Where(p => p.TryGetProperty("status", out var s) && s.TryGetProperty("podIP", out _))
        .Select(p => $"{p.GetProperty("status").GetProperty("podIP").GetString()}:9092"));

    private IAdminClient Admin() => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Bootstrap(), SocketTimeoutMs = 5000 }).Build();

    private ConfigEntryResult? TopicConfig(string name)
    {
        try
        {
            using var admin = Admin();
            var described = admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = Topic }]).GetAwaiter().GetResult();
            return described.Single().Entries.GetValueOrDefault(name);
        }
        catch (KafkaException)
        {
            return null;
        }
    }

    private int Leader(int partition)
    {
        try
        {
            using var admin = Admin();
            return admin.GetMetadata(Topic, TimeSpan.FromSeconds(5)).Topics.Single().Partitions.Single(p => p.PartitionId == partition).Leader;
        }
        catch (Exception e) when (e is KafkaException or InvalidOperationException)
        {
            return -1;
        }
    }

    private Dictionary<string, int> ReadAll(int expected)
    {
        using var consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig
        {
            BootstrapServers = Bootstrap(),
            GroupId = $"e2e-readback-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(Topic, p, Offset.Beginning)));
        var counts = new Dictionary<string, int>();
        var total = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (total < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { Message: { } message })
            {
                counts[message.Value] = counts.GetValueOrDefault(message.Value) + 1;
                total++;
            }
        }
        // Records past the acknowledged ones (sent, not yet acknowledged when the producer stopped) may follow.
        while (consumer.Consume(TimeSpan.FromSeconds(2)) is { Message: { } more })
        {
            counts[more.Value] = counts.GetValueOrDefault(more.Value) + 1;
        }
        return counts;
    }

    private string Diagnostics() =>
        $"--- fjordcluster\n{Server.Kubectl("get", "fjordcluster", Name, "-o", "yaml").StandardOutput}\n--- pods\n{Server.Kubectl("get", "pods", "-o", "wide").StandardOutput}"
        + $"\n--- operator (last 60 lines)\n{string.Join('\n', (_operator?.Output ?? "").Split('\n').TakeLast(60))}";

    public void Dispose()
    {
        _operator?.Dispose();
        _kube.Dispose();
    }
}
