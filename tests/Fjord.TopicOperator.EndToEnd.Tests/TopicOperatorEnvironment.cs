using System.Globalization;
using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Fjord.TopicOperator.EndToEnd.Tests;

/// <summary>
/// One kube-local API server and node, the CRDs, the operator process and a FjordCluster <c>fjord</c> (one broker unless
/// made with <see cref="WithBrokers"/>),
/// shared by the tests of a class (each test uses its own FjordTopics and Kafka topics, so none depends on another).
/// Reads go through the real kubectl and the real Confluent.Kafka client; everything is stopped on dispose.
/// </summary>
public sealed class TopicOperatorEnvironment : IDisposable
{
    public const string Namespace = "default";
    public const string ClusterName = "fjord";
    private static readonly TimeSpan s_brokerStart = TimeSpan.FromMinutes(3);

    public TopicOperatorEnvironment()
        : this(1, 0)
    {
    }

    private TopicOperatorEnvironment(int brokers, long throttleBytesPerSecond)
    {
        Cluster = new KubeLocalCluster();
        try
        {
            Server.MustKubectl("apply", "-f", Path.Combine(KubeTools.RepoRoot, "deploy", "crds"));
            Operator = new OperatorProcess(Server.Kubeconfig, Namespace);
            Server.MustKubectlWithInput($$"""
                apiVersion: fjord.dev/v1alpha1
                kind: FjordCluster
                metadata: {name: {{ClusterName}}}
                spec:
                  replicas: {{brokers}}
                  controllers: {{Math.Min(brokers, 3)}}
                  storage: {size: 1Gi}
                {{(throttleBytesPerSecond > 0 ? $"  rebalance: {{throttleBytesPerSecond: {throttleBytesPerSecond}}}" : "")}}
                """, "apply", "-f", "-");
            Eventually.True(() => Cluster.Pods($"app.kubernetes.io/instance={ClusterName}") is var pods && pods.Count == brokers && pods.All(KubeLocalCluster.IsReady),
                s_brokerStart, () => $"{brokers} broker pod(s) Ready\n--- {ClusterName}-0 log\n{LastLines(Server.Kubectl("logs", $"{ClusterName}-0", "--previous").StandardOutput)}" +
                    $"\n--- operator\n{Operator.Output}\n--- node\n{LastLines(Cluster.NodeOutput)}");
            Bootstrap = string.Join(",", Cluster.Pods($"app.kubernetes.io/instance={ClusterName}")
                .Select(p => $"{p.GetProperty("status").GetProperty("podIP").GetString()}:9092"));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// A FjordCluster of <paramref name="brokers"/> brokers (up to three of them voters) whose replica moves are throttled
    /// at <paramref name="throttleBytesPerSecond"/> (0: not); the caller disposes it.
    /// </summary>
    public static TopicOperatorEnvironment WithBrokers(int brokers, long throttleBytesPerSecond = 0) => new(brokers, throttleBytesPerSecond);

    public KubeLocalCluster Cluster { get; }

    public KubeLocalServer Server => Cluster.Server;

    public OperatorProcess Operator { get; } = null!;

    public string Bootstrap { get; } = "";

    /// <summary>kubectl apply of a manifest from stdin.</summary>
    public void Apply(string yaml) => Server.MustKubectlWithInput(yaml, "apply", "-f", "-");

    public static string TopicManifest(string name, int partitions, int replicas = 1, string? topicName = null,
        IReadOnlyDictionary<string, string>? config = null, string deletionPolicy = "Delete")
    {
        var lines = new List<string>
        {
            "apiVersion: fjord.dev/v1alpha1",
            "kind: FjordTopic",
            $"metadata: {{name: {name}}}",
            "spec:",
            $"  clusterRef: {{name: {ClusterName}}}",
            $"  partitions: {partitions}",
            $"  replicas: {replicas}",
            $"  deletionPolicy: {deletionPolicy}",
        };
        if (topicName is not null)
        {
            lines.Add($"  topicName: \"{topicName}\"");
        }
        if (config is { Count: > 0 })
        {
            lines.Add("  config:");
            lines.AddRange(config.Select(c => $"    {c.Key}: \"{c.Value}\""));
        }
        return string.Join('\n', lines) + "\n";
    }

    /// <summary>The FjordTopic as the API server has it; null when it does not exist.</summary>
    public JsonElement? FjordTopic(string name)
    {
        var result = Server.Kubectl("get", "fjordtopic", name, "-o", "json");
        return result.ExitCode == 0 ? JsonDocument.Parse(result.StandardOutput).RootElement.Clone() : null;
    }

    /// <summary>The Ready condition when it describes the resource's current generation; null otherwise.</summary>
    public static JsonElement? CurrentReady(JsonElement topic)
    {
        var generation = topic.GetProperty("metadata").GetProperty("generation").GetInt64();
        if (!topic.TryGetProperty("status", out var status) || !status.TryGetProperty("conditions", out var conditions)
            || !status.TryGetProperty("observedGeneration", out var observed) || observed.GetInt64() != generation)
        {
            return null;
        }
        return conditions.EnumerateArray().FirstOrDefault(c => c.GetProperty("type").GetString() == "Ready") is { ValueKind: JsonValueKind.Object } ready
            ? ready
            : null;
    }

    /// <summary>Waits until the FjordTopic's Ready condition for its current generation has <paramref name="reason"/>.</summary>
    public JsonElement WaitForReason(string name, string reason, TimeSpan? timeout = null)
    {
        JsonElement? last = null;
        Eventually.True(() =>
        {
            last = FjordTopic(name);
            return last is { } topic && CurrentReady(topic) is { } ready && ready.GetProperty("reason").GetString() == reason;
        }, timeout ?? TimeSpan.FromSeconds(60), () => $"FjordTopic {name} Ready reason {reason}; last seen:\n{last}\n--- operator\n{Operator.Output}");
        return last!.Value;
    }

    public JsonElement WaitReady(string name, TimeSpan? timeout = null) => WaitForReason(name, "Reconciled", timeout);

    /// <summary>Applies a manifest and answers how long until the FjordTopic was Ready for it.</summary>
    public TimeSpan ApplyUntilReady(string name, string manifest)
    {
        var started = Stopwatch.GetTimestamp();
        Apply(manifest);
        WaitReady(name);
        return Stopwatch.GetElapsedTime(started);
    }

    public IAdminClient Admin() => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Bootstrap }).Build();

    /// <summary>The topic as Kafka metadata shows it; null when the cluster does not have it.</summary>
    public TopicMetadata? KafkaTopic(string topic)
    {
        using var admin = Admin();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.SingleOrDefault(t => t.Topic == topic);
        return metadata is null || metadata.Error.Code == ErrorCode.UnknownTopicOrPart ? null : metadata;
    }

    public bool KafkaTopicExists(string topic)
    {
        using var admin = Admin();
        return admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.Any(t => t.Topic == topic && t.Error.Code == ErrorCode.NoError);
    }

    /// <summary>The topic's configs as DescribeConfigs reports them (explicit and default).</summary>
    public Dictionary<string, string> KafkaTopicConfigs(string topic)
    {
        using var admin = Admin();
        var result = admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }]).GetAwaiter().GetResult();
        return result[0].Entries.ToDictionary(e => e.Key, e => e.Value.Value);
    }

    /// <summary>A broker's configs as DescribeConfigs reports them (dynamic and static).</summary>
    public Dictionary<string, string> KafkaBrokerConfigs(int brokerId)
    {
        using var admin = Admin();
        var result = admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Broker, Name = brokerId.ToString(CultureInfo.InvariantCulture) }])
            .GetAwaiter().GetResult();
        return result[0].Entries.ToDictionary(e => e.Key, e => e.Value.Value);
    }

    /// <summary>Events whose involved object is the named FjordTopic, as "Reason: message".</summary>
    public List<string> Events(string name)
    {
        var json = Server.MustKubectl("get", "events", "--field-selector", $"involvedObject.name={name}", "-o", "json");
        return [.. JsonDocument.Parse(json).RootElement.GetProperty("items").EnumerateArray()
            .Select(e => $"{e.GetProperty("reason").GetString()}: {e.GetProperty("message").GetString()}")];
    }

    /// <summary>Events whose involved object is the named FjordTopic, as reason and count (how often it happened).</summary>
    public List<(string Reason, int Count)> EventCounts(string name)
    {
        var json = Server.MustKubectl("get", "events", "--field-selector", $"involvedObject.name={name}", "-o", "json");
        return [.. JsonDocument.Parse(json).RootElement.GetProperty("items").EnumerateArray()
            .Select(e => (e.GetProperty("reason").GetString()!, e.TryGetProperty("count", out var count) ? count.GetInt32() : 1))];
    }

    /// <summary>Runs the built <c>fjord</c> command line against the cluster.</summary>
    public ExternalCommand.Result Fjord(params string[] arguments)
    {
        var configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
        var dll = Path.Combine(KubeTools.RepoRoot, "src", "Fjord.Cli", "bin", configuration, "net10.0", "fjord.dll");
        return ExternalCommand.Run("dotnet", [dll, "--bootstrap-server", Bootstrap, .. arguments], timeout: TimeSpan.FromMinutes(1));
    }

    private static string LastLines(string text) => string.Join('\n', text.Split('\n').TakeLast(60));

    public void Dispose()
    {
        Operator?.Dispose();
        Cluster.Dispose();
    }
}
