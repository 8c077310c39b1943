using Fjord.Operator.Crds;
using k8s.Models;

namespace Fjord.Operator.DesiredState;

/// <summary>The StatefulSet of the brokers: pod template, broker command line, probes and volume claims.</summary>
public static partial class ClusterObjectsPlanner
{
    // Not FJORD_-prefixed: the broker reads every FJORD_ variable as a setting and warns about unknown ones.
    private const string NodeIdEnv = "POD_INDEX";
    private const string PodIpEnv = "POD_IP";

    private static V1StatefulSet StatefulSet(V1Alpha1FjordCluster cluster, ClusterNames names, V1OwnerReference owner,
        string staticConfigHash, bool metricsEnabled)
    {
        var spec = cluster.Spec;
        var deleteClaims = spec.Storage.DeleteClaim ? "Delete" : "Retain";
        return new V1StatefulSet
        {
            ApiVersion = "apps/v1",
            Kind = "StatefulSet",
            Metadata = Metadata(names.StatefulSet, names, owner),
            Spec = new V1StatefulSetSpec
            {
                Replicas = spec.Replicas,
                ServiceName = names.HeadlessService,
                PodManagementPolicy = "Parallel",
                UpdateStrategy = new V1StatefulSetUpdateStrategy { Type = "OnDelete" },
                Selector = new V1LabelSelector { MatchLabels = ClusterLabels.Selector(names.Cluster) },
                PersistentVolumeClaimRetentionPolicy = new V1StatefulSetPersistentVolumeClaimRetentionPolicy
                {
                    WhenDeleted = deleteClaims,
                    WhenScaled = deleteClaims,
                },
                Template = PodTemplate(spec, names, staticConfigHash, metricsEnabled, BootstrapControllers(cluster)),
                VolumeClaimTemplates = [VolumeClaim(spec.Storage)],
            },
        };
    }

    /// <summary>The bootstrap voter count: recorded in status by the first reconcile, spec.controllers until then.</summary>
    public static int BootstrapControllers(V1Alpha1FjordCluster cluster) => cluster.Status?.BootstrapControllers ?? cluster.Spec.Controllers;

    private static V1PodTemplateSpec PodTemplate(V1Alpha1FjordClusterSpec spec, ClusterNames names, string staticConfigHash,
        bool metricsEnabled, int bootstrapControllers)
    {
        var podTemplate = spec.Template?.Pod;
        var labels = ClusterLabels.Common(names.Cluster);
        foreach (var (key, value) in podTemplate?.Labels ?? [])
        {
            labels.TryAdd(key, value);
        }
        var annotations = new Dictionary<string, string>(podTemplate?.Annotations ?? [], StringComparer.Ordinal)
        {
            [ClusterLabels.StaticConfigHashAnnotation] = staticConfigHash,
        };
        if (metricsEnabled)
        {
            annotations["prometheus.io/scrape"] = "true";
            annotations["prometheus.io/port"] = BrokerPorts.Http.ToString(System.Globalization.CultureInfo.InvariantCulture);
            annotations["prometheus.io/path"] = "/metrics";
        }
        return new V1PodTemplateSpec
        {
            Metadata = new V1ObjectMeta { Labels = labels, Annotations = annotations },
            Spec = new V1PodSpec
            {
                Containers = [BrokerContainerSpec(spec, names, bootstrapControllers)],
                Volumes =
                [
                    new V1Volume { Name = ConfigVolume, ConfigMap = new V1ConfigMapVolumeSource { Name = names.ConfigMap } },
                ],
                TerminationGracePeriodSeconds = podTemplate?.TerminationGracePeriodSeconds ?? DefaultTerminationGracePeriodSeconds,
                NodeSelector = podTemplate?.NodeSelector,
                Tolerations = podTemplate?.Tolerations,
                Affinity = podTemplate?.Affinity,
                PriorityClassName = podTemplate?.PriorityClassName,
                TopologySpreadConstraints = spec.Rack is { } rack
                    ?
                    [
                        new V1TopologySpreadConstraint
                        {
                            TopologyKey = rack.TopologyKey,
                            MaxSkew = 1,
                            WhenUnsatisfiable = "ScheduleAnyway",
                            LabelSelector = new V1LabelSelector { MatchLabels = ClusterLabels.Selector(names.Cluster) },
                        },
                    ]
                    : null,
            },
        };
    }

    private static V1Container BrokerContainerSpec(V1Alpha1FjordClusterSpec spec, ClusterNames names, int bootstrapControllers)
    {
        var podIp = $"$({PodIpEnv})";
        var args = new List<string>
        {
            "--config", $"{ConfigMountPath}/{ConfigFileKey}",
            "--node-id", $"$({NodeIdEnv})",
            "--data-dir", DataDirectory,
            "--kafka-listen", $"{podIp}:{BrokerPorts.Kafka}",
            "--kafka-advertised", $"{podIp}:{BrokerPorts.Kafka}",
            "--rpc-listen", $"{podIp}:{BrokerPorts.Rpc}",
            // A broker that joins the quorum later (scale-out, then maybe a voter) is dialled at the address it
            // records; its pod IP changes whenever the pod is recreated, its DNS name never does.
            "--rpc-advertised", $"{names.PodHost($"$({NodeIdEnv})")}:{BrokerPorts.Rpc}",
            "--http-listen", $"{podIp}:{BrokerPorts.Http}",
            // Only the bootstrap set: once the metadata log exists it decides who votes, so spec.controllers changes
            // never touch the pod template (they are carried out as voter changes, see VoterPlanner).
            "--voters", Voters(names, bootstrapControllers),
        };
        var env = new List<V1EnvVar>
        {
            FieldEnv(NodeIdEnv, $"metadata.labels['{ClusterLabels.PodIndexLabel}']"),
            FieldEnv(PodIpEnv, "status.podIP"),
        };
        env.AddRange(spec.Template?.BrokerContainer?.Env ?? []);
        return new V1Container
        {
            Name = BrokerContainer,
            Image = Image(spec),
            Args = args,
            Env = env,
            Ports =
            [
                new V1ContainerPort { Name = BrokerPorts.KafkaName, ContainerPort = BrokerPorts.Kafka },
                new V1ContainerPort { Name = BrokerPorts.RpcName, ContainerPort = BrokerPorts.Rpc },
                new V1ContainerPort { Name = BrokerPorts.HttpName, ContainerPort = BrokerPorts.Http },
            ],
            ReadinessProbe = Probe("/readyz", periodSeconds: 5, failureThreshold: 3),
            LivenessProbe = Probe("/healthz", periodSeconds: 10, failureThreshold: 6),
            Resources = spec.Resources,
            VolumeMounts =
            [
                new V1VolumeMount { Name = DataVolume, MountPath = DataMountPath },
                new V1VolumeMount { Name = ConfigVolume, MountPath = ConfigMountPath, ReadOnlyProperty = true },
            ],
        };
    }

    private static V1EnvVar FieldEnv(string name, string fieldPath) =>
        new() { Name = name, ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = fieldPath } } };

    private static V1Probe Probe(string path, int periodSeconds, int failureThreshold) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = BrokerPorts.HttpName },
        PeriodSeconds = periodSeconds,
        FailureThreshold = failureThreshold,
    };

    private static V1PersistentVolumeClaim VolumeClaim(V1Alpha1FjordStorage storage) => new()
    {
        Metadata = new V1ObjectMeta { Name = DataVolume },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"],
            StorageClassName = storage.StorageClassName,
            Resources = new V1VolumeResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new ResourceQuantity(storage.Size) },
            },
        },
    };
}
