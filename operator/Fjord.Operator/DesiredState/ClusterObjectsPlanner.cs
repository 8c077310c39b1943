using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Fjord.Operator.Crds;
using k8s.Models;

namespace Fjord.Operator.DesiredState;

/// <summary>
/// Pure desired-state planner: a FjordCluster spec (and what the Kubernetes cluster supports) in, the objects it should
/// own out. No I/O, no clock; the reconciler compares the result with what it observed. Thread-safe (stateless).
/// </summary>
/// <remarks>
/// Choices a real cluster needs:
/// <list type="bullet">
/// <item>Node id = pod ordinal, read from the <c>apps.kubernetes.io/pod-index</c> label through the downward API.</item>
/// <item>Listeners bind and advertise the pod IP (<c>status.podIP</c>); the quorum's voters are named by their stable DNS
/// names <c>NAME-ORDINAL.NAME-brokers.NS.svc:9093</c>, which survive a pod's IP changing on restart. kube-local has no
/// cluster DNS yet, so it must resolve those names (e.g. to the pods' 127.x addresses) for a multi-voter cluster.</item>
/// <item><c>podManagementPolicy: Parallel</c>: brokers become ready only once the quorum has a leader, so OrderedReady
/// would wait forever for pod 0. <c>updateStrategy: OnDelete</c>: the operator, not the StatefulSet controller, decides
/// which pod restarts when (one at a time, gated on cluster health, controller last).</item>
/// <item>The headless Service publishes not-ready addresses so voters find each other before any is ready.</item>
/// <item>All configs go into the ConfigMap's server.properties (a restarted broker reads the current values); only the
/// static ones are hashed into the pod template, so a dynamic change never restarts a pod.</item>
/// </list>
/// </remarks>
public static partial class ClusterObjectsPlanner
{
    public const string DefaultImageRepository = "ghcr.io/fjord-dev/fjord-broker";
    public const string DefaultVersion = "latest";
    public const string DataMountPath = "/var/lib/fjord";
    public const string DataDirectory = DataMountPath + "/data";
    public const string ConfigMountPath = "/etc/fjord";
    public const string ConfigFileKey = "server.properties";
    public const string DataVolume = "data";
    public const string ConfigVolume = "config";
    public const string BrokerContainer = "broker";
    public const long DefaultTerminationGracePeriodSeconds = 60;

    public static DesiredClusterObjects Plan(V1Alpha1FjordCluster cluster, ObservedCapabilities capabilities)
    {
        var names = new ClusterNames(cluster.Metadata.Name, cluster.Metadata.NamespaceProperty ?? "default");
        var owner = OwnerReference(cluster);
        var (staticConfigs, dynamicConfigs) = BrokerConfigClassifier.Split(cluster.Spec.Config);
        var metricsEnabled = cluster.Spec.Metrics?.Enabled ?? true;
        return new DesiredClusterObjects(
            ConfigMap(cluster, names, owner),
            HeadlessService(names, owner),
            BootstrapService(names, owner),
            StatefulSet(cluster, names, owner, StaticConfigHash(staticConfigs), metricsEnabled),
            PodDisruptionBudget(names, owner),
            metricsEnabled && (cluster.Spec.Metrics?.ServiceMonitor ?? true) && capabilities.ServiceMonitorCrdExists
                ? ServiceMonitor(names, owner)
                : null,
            dynamicConfigs);
    }

    /// <summary>The voters argument: ordinals below <c>controllers</c>, each at its stable DNS name's rpc port.</summary>
    public static string Voters(ClusterNames names, int controllers) =>
        string.Join(",", Enumerable.Range(0, controllers).Select(i => $"{i}@{names.PodHost(i)}:{BrokerPorts.Rpc}"));

    /// <summary>server.properties text: one <c>name=value</c> line per config, in name order (stable bytes, stable diff).</summary>
    public static string ServerProperties(IReadOnlyDictionary<string, string>? config)
    {
        var text = new StringBuilder("# Written by fjord-operator from FjordCluster spec.config.\n");
        foreach (var (name, value) in (config ?? new Dictionary<string, string>()).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append(name).Append('=').Append(value).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Hex SHA-256 of the static configs in name order: equal configs, equal hash, no restart.</summary>
    public static string StaticConfigHash(IReadOnlyDictionary<string, string> staticConfigs)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in staticConfigs.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append(name).Append('=').Append(value).Append('\n');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    public static string Image(V1Alpha1FjordClusterSpec spec) =>
        spec.Image ?? $"{DefaultImageRepository}:{spec.Version ?? DefaultVersion}";

    private static V1OwnerReference OwnerReference(V1Alpha1FjordCluster cluster) => new()
    {
        ApiVersion = FjordGroup.ApiVersion,
        Kind = V1Alpha1FjordCluster.KindName,
        Name = cluster.Metadata.Name,
        Uid = cluster.Metadata.Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };

    private static V1ObjectMeta Metadata(string name, ClusterNames names, V1OwnerReference owner) => new()
    {
        Name = name,
        NamespaceProperty = names.Namespace,
        Labels = ClusterLabels.Common(names.Cluster),
        OwnerReferences = [owner],
    };

    private static V1ConfigMap ConfigMap(V1Alpha1FjordCluster cluster, ClusterNames names, V1OwnerReference owner) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = Metadata(names.ConfigMap, names, owner),
        Data = new Dictionary<string, string> { [ConfigFileKey] = ServerProperties(WithClusterDefaults(cluster.Spec)) },
    };

    /// <summary>
    /// spec.config plus what the cluster's shape implies and the user did not set: <c>offsets.topic.replication.factor</c>
    /// is min(3, replicas), because a broker whose bootstrap quorum has one voter would otherwise take 1 (it cannot tell
    /// a laptop from a cluster that started with <c>controllers: 1</c>). Only the topic's creation reads it, so it is
    /// left out of the static-config hash: scaling never restarts pods over it.
    /// </summary>
    public static IReadOnlyDictionary<string, string> WithClusterDefaults(V1Alpha1FjordClusterSpec spec)
    {
        var config = new Dictionary<string, string>(spec.Config ?? new Dictionary<string, string>());
        config.TryAdd(OffsetsTopicReplicationFactor, Math.Min(3, spec.Replicas).ToString(CultureInfo.InvariantCulture));
        return config;
    }

    private const string OffsetsTopicReplicationFactor = "offsets.topic.replication.factor";

    private static List<V1ServicePort> ServicePorts(bool includeRpc)
    {
        var ports = new List<V1ServicePort> { new() { Name = BrokerPorts.KafkaName, Port = BrokerPorts.Kafka, TargetPort = BrokerPorts.Kafka } };
        if (includeRpc)
        {
            ports.Add(new() { Name = BrokerPorts.RpcName, Port = BrokerPorts.Rpc, TargetPort = BrokerPorts.Rpc });
        }
        ports.Add(new() { Name = BrokerPorts.HttpName, Port = BrokerPorts.Http, TargetPort = BrokerPorts.Http });
        return ports;
    }

    private static V1Service HeadlessService(ClusterNames names, V1OwnerReference owner) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = Metadata(names.HeadlessService, names, owner),
        Spec = new V1ServiceSpec
        {
            ClusterIP = "None",
            PublishNotReadyAddresses = true,
            Selector = ClusterLabels.Selector(names.Cluster),
            Ports = ServicePorts(includeRpc: true),
        },
    };

    private static V1Service BootstrapService(ClusterNames names, V1OwnerReference owner) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = BootstrapMetadata(names, owner),
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            Selector = ClusterLabels.Selector(names.Cluster),
            Ports = ServicePorts(includeRpc: false),
        },
    };

    private static V1ObjectMeta BootstrapMetadata(ClusterNames names, V1OwnerReference owner)
    {
        var metadata = Metadata(names.BootstrapService, names, owner);
        metadata.Labels[ClusterLabels.ServiceRole] = ClusterLabels.BootstrapRole;
        return metadata;
    }

    private static V1PodDisruptionBudget PodDisruptionBudget(ClusterNames names, V1OwnerReference owner) => new()
    {
        ApiVersion = "policy/v1",
        Kind = "PodDisruptionBudget",
        Metadata = Metadata(names.PodDisruptionBudget, names, owner),
        Spec = new V1PodDisruptionBudgetSpec
        {
            // One broker down at a time: with RF 3 and min.insync.replicas 2, acks=all keeps working.
            MaxUnavailable = 1,
            Selector = new V1LabelSelector { MatchLabels = ClusterLabels.Selector(names.Cluster) },
        },
    };

    private static JsonObject ServiceMonitor(ClusterNames names, V1OwnerReference owner) => new()
    {
        ["apiVersion"] = "monitoring.coreos.com/v1",
        ["kind"] = "ServiceMonitor",
        ["metadata"] = new JsonObject
        {
            ["name"] = names.ServiceMonitor,
            ["namespace"] = names.Namespace,
            ["labels"] = new JsonObject(ClusterLabels.Common(names.Cluster).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
            ["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = owner.ApiVersion,
                ["kind"] = owner.Kind,
                ["name"] = owner.Name,
                ["uid"] = owner.Uid,
                ["controller"] = true,
                ["blockOwnerDeletion"] = true,
            }),
        },
        ["spec"] = new JsonObject
        {
            ["selector"] = new JsonObject
            {
                ["matchLabels"] = new JsonObject
                {
                    [ClusterLabels.Instance] = names.Cluster,
                    [ClusterLabels.ServiceRole] = ClusterLabels.BootstrapRole,
                },
            },
            // The bootstrap Service: Prometheus scrapes each of its endpoints, i.e. every broker pod.
            ["endpoints"] = new JsonArray(new JsonObject { ["port"] = BrokerPorts.HttpName, ["path"] = "/metrics" }),
        },
    };
}
