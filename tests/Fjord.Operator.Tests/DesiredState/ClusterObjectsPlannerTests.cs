using Fjord.Operator.Crds;
using Fjord.Operator.DesiredState;
using k8s.Models;

namespace Fjord.Operator.Tests.DesiredState;

public class ClusterObjectsPlannerTests
{
    private static readonly ObservedCapabilities s_noMonitoring = new(ServiceMonitorCrdExists: false);

    internal static V1Alpha1FjordCluster Cluster(Action<V1Alpha1FjordClusterSpec>? configure = null)
    {
        var cluster = new V1Alpha1FjordCluster
        {
            Metadata = new V1ObjectMeta { Name = "orders", NamespaceProperty = "kafka", Uid = "uid-1", Generation = 4 },
        };
        configure?.Invoke(cluster.Spec);
        return cluster;
    }

    private static V1Container Broker(DesiredClusterObjects objects) =>
        Assert.Single(objects.StatefulSet.Spec.Template.Spec.Containers);

    private static string Arg(V1Container container, string name)
    {
        var index = container.Args.IndexOf(name);
        Assert.True(index >= 0 && index + 1 < container.Args.Count, $"{name} missing from args: {string.Join(' ', container.Args)}");
        return container.Args[index + 1];
    }

    [Theory]
    [InlineData(1, "0@orders-0.orders-brokers.kafka.svc:9093")]
    [InlineData(3, "0@orders-0.orders-brokers.kafka.svc:9093,1@orders-1.orders-brokers.kafka.svc:9093,2@orders-2.orders-brokers.kafka.svc:9093")]
    public void Plan_VotersAreTheLowestOrdinalsAtStableDnsNames(int controllers, string expected)
    {
        var objects = ClusterObjectsPlanner.Plan(Cluster(s => { s.Replicas = 5; s.Controllers = controllers; }), s_noMonitoring);

        Assert.Equal(expected, Arg(Broker(objects), "--voters"));
    }

    [Fact]
    public void Plan_Controllers5_ListsFiveVoters()
    {
        var objects = ClusterObjectsPlanner.Plan(Cluster(s => { s.Replicas = 5; s.Controllers = 5; }), s_noMonitoring);

        Assert.Equal(5, Arg(Broker(objects), "--voters").Split(',').Length);
    }

    [Fact]
    public void Plan_NodeIdComesFromPodIndexLabelAndListenersFromPodIp()
    {
        var broker = Broker(ClusterObjectsPlanner.Plan(Cluster(), s_noMonitoring));

        Assert.Equal("$(POD_INDEX)", Arg(broker, "--node-id"));
        Assert.Equal("metadata.labels['apps.kubernetes.io/pod-index']", broker.Env.Single(e => e.Name == "POD_INDEX").ValueFrom.FieldRef.FieldPath);
        Assert.Equal("status.podIP", broker.Env.Single(e => e.Name == "POD_IP").ValueFrom.FieldRef.FieldPath);
        Assert.Equal("$(POD_IP):9092", Arg(broker, "--kafka-listen"));
        Assert.Equal("$(POD_IP):9092", Arg(broker, "--kafka-advertised"));
        Assert.Equal("$(POD_IP):9093", Arg(broker, "--rpc-listen"));
        // The quorum dials a broker that joined later at the address it recorded: its DNS name, not its pod IP.
        Assert.Equal("orders-$(POD_INDEX).orders-brokers.kafka.svc:9093", Arg(broker, "--rpc-advertised"));
        Assert.Equal("$(POD_IP):9644", Arg(broker, "--http-listen"));
        Assert.Equal("/var/lib/fjord/data", Arg(broker, "--data-dir"));
        Assert.Contains(broker.VolumeMounts, m => m.Name == "data" && m.MountPath == "/var/lib/fjord");
        Assert.Equal("/etc/fjord/server.properties", Arg(broker, "--config"));
    }

    [Fact]
    public void Plan_ProbesUseReadyzAndHealthzOnTheHttpPort()
    {
        var broker = Broker(ClusterObjectsPlanner.Plan(Cluster(), s_noMonitoring));

        Assert.Equal("/readyz", broker.ReadinessProbe.HttpGet.Path);
        Assert.Equal("http", broker.ReadinessProbe.HttpGet.Port.Value);
        Assert.Equal("/healthz", broker.LivenessProbe.HttpGet.Path);
        Assert.Equal("http", broker.LivenessProbe.HttpGet.Port.Value);
    }

    [Fact]
    public void Plan_StatefulSetIsParallelOnDeleteWithOwnerAndSelector()
    {
        var set = ClusterObjectsPlanner.Plan(Cluster(s => s.Replicas = 4), s_noMonitoring).StatefulSet;

        Assert.Equal("orders", set.Metadata.Name);
        Assert.Equal(4, set.Spec.Replicas);
        Assert.Equal("orders-brokers", set.Spec.ServiceName);
        Assert.Equal("Parallel", set.Spec.PodManagementPolicy);
        Assert.Equal("OnDelete", set.Spec.UpdateStrategy.Type);
        var owner = Assert.Single(set.Metadata.OwnerReferences);
        Assert.Equal(("fjord.dev/v1alpha1", "FjordCluster", "orders", "uid-1", true), (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid, owner.Controller == true));
        foreach (var (key, value) in set.Spec.Selector.MatchLabels)
        {
            Assert.Equal(value, set.Spec.Template.Metadata.Labels[key]);
        }
    }

    [Theory]
    [InlineData(false, null, "Retain")]
    [InlineData(true, "fast-ssd", "Delete")]
    public void Plan_VolumeClaimTemplateFollowsStorage(bool deleteClaim, string? storageClass, string retention)
    {
        var set = ClusterObjectsPlanner.Plan(Cluster(s => s.Storage = new V1Alpha1FjordStorage
        {
            Size = "50Gi", StorageClassName = storageClass, DeleteClaim = deleteClaim,
        }), s_noMonitoring).StatefulSet;

        var claim = Assert.Single(set.Spec.VolumeClaimTemplates);
        Assert.Equal("data", claim.Metadata.Name);
        Assert.Equal("50Gi", claim.Spec.Resources.Requests["storage"].ToString());
        Assert.Equal(storageClass, claim.Spec.StorageClassName);
        Assert.Equal(retention, set.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted);
        Assert.Equal(retention, set.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled);
    }

    [Fact]
    public void Plan_HeadlessServicePublishesNotReadyAddressesWithRpcPort()
    {
        var objects = ClusterObjectsPlanner.Plan(Cluster(), s_noMonitoring);

        Assert.Equal("orders-brokers", objects.HeadlessService.Metadata.Name);
        Assert.Equal("None", objects.HeadlessService.Spec.ClusterIP);
        Assert.True(objects.HeadlessService.Spec.PublishNotReadyAddresses);
        Assert.Equal(["kafka", "rpc", "http"], objects.HeadlessService.Spec.Ports.Select(p => p.Name));
        Assert.Equal("orders-bootstrap", objects.BootstrapService.Metadata.Name);
        Assert.Equal(["kafka", "http"], objects.BootstrapService.Spec.Ports.Select(p => p.Name));
    }

    [Fact]
    public void Plan_PodDisruptionBudgetAllowsOneBrokerDown()
    {
        var pdb = ClusterObjectsPlanner.Plan(Cluster(), s_noMonitoring).PodDisruptionBudget;

        Assert.Equal(1, pdb.Spec.MaxUnavailable.Value is string s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : -1);
        Assert.Equal("broker", pdb.Spec.Selector.MatchLabels["app.kubernetes.io/component"]);
    }

    [Theory]
    [InlineData(true, true, true, true)]
    [InlineData(false, true, true, false)]
    [InlineData(true, false, true, false)]
    [InlineData(true, true, false, false)]
    public void Plan_ServiceMonitorOnlyWhenItsCrdExistsAndMetricsWantIt(bool crdExists, bool metricsEnabled, bool serviceMonitor, bool expected)
    {
        var objects = ClusterObjectsPlanner.Plan(
            Cluster(s => s.Metrics = new V1Alpha1FjordMetrics { Enabled = metricsEnabled, ServiceMonitor = serviceMonitor }),
            new ObservedCapabilities(crdExists));

        Assert.Equal(expected, objects.ServiceMonitor is not null);
        Assert.Equal(metricsEnabled, objects.StatefulSet.Spec.Template.Metadata.Annotations.ContainsKey("prometheus.io/scrape"));
    }

    [Fact]
    public void Plan_DynamicConfigChange_KeepsThePodTemplate_StaticChangeAltersIt()
    {
        var baseline = ClusterObjectsPlanner.Plan(Cluster(s => s.Config = new() { ["num.partitions"] = "3", ["log.retention.ms"] = "1000" }), s_noMonitoring);
        var dynamicChange = ClusterObjectsPlanner.Plan(Cluster(s => s.Config = new() { ["num.partitions"] = "3", ["log.retention.ms"] = "2000" }), s_noMonitoring);
        var staticChange = ClusterObjectsPlanner.Plan(Cluster(s => s.Config = new() { ["num.partitions"] = "6", ["log.retention.ms"] = "1000" }), s_noMonitoring);

        static string Hash(DesiredClusterObjects o) => o.StatefulSet.Spec.Template.Metadata.Annotations[ClusterLabels.StaticConfigHashAnnotation];
        Assert.Equal(Hash(baseline), Hash(dynamicChange));
        Assert.NotEqual(Hash(baseline), Hash(staticChange));
        Assert.Equal("2000", dynamicChange.DynamicConfigs["log.retention.ms"]);
        Assert.Contains("log.retention.ms=2000\n", dynamicChange.ConfigMap.Data["server.properties"]);
    }

    [Fact]
    public void Plan_OffsetsTopicReplicationFactor_FollowsReplicasUpTo3_UnlessSet_AndNeverRollsPods()
    {
        static string Properties(DesiredClusterObjects o) => o.ConfigMap.Data["server.properties"];
        static string Hash(DesiredClusterObjects o) => o.StatefulSet.Spec.Template.Metadata.Annotations[ClusterLabels.StaticConfigHashAnnotation];
        var one = ClusterObjectsPlanner.Plan(Cluster(s => { s.Replicas = 1; s.Controllers = 1; }), s_noMonitoring);
        var five = ClusterObjectsPlanner.Plan(Cluster(s => { s.Replicas = 5; s.Controllers = 1; }), s_noMonitoring);
        var set = ClusterObjectsPlanner.Plan(Cluster(s => { s.Replicas = 5; s.Config = new() { ["offsets.topic.replication.factor"] = "5" }; }), s_noMonitoring);

        Assert.Contains("offsets.topic.replication.factor=1\n", Properties(one));
        Assert.Contains("offsets.topic.replication.factor=3\n", Properties(five));
        Assert.Contains("offsets.topic.replication.factor=5\n", Properties(set));
        Assert.Equal(Hash(one), Hash(five));
    }

    [Theory]
    [InlineData(null, null, "ghcr.io/fjord-dev/fjord-broker:latest")]
    [InlineData("0.3.0", null, "ghcr.io/fjord-dev/fjord-broker:0.3.0")]
    [InlineData("0.3.0", "registry.local/fjord-broker:dev", "registry.local/fjord-broker:dev")]
    public void Plan_ImageFromVersionUnlessImageIsSet(string? version, string? image, string expected)
    {
        var broker = Broker(ClusterObjectsPlanner.Plan(Cluster(s => { s.Version = version; s.Image = image; }), s_noMonitoring));

        Assert.Equal(expected, broker.Image);
    }

    [Fact]
    public void Plan_TemplateOverridesReachThePod_SelectorLabelsWin()
    {
        var spec = ClusterObjectsPlanner.Plan(Cluster(s =>
        {
            s.Template = new V1Alpha1FjordTemplate
            {
                Pod = new V1Alpha1FjordPodTemplate
                {
                    Labels = new() { ["team"] = "payments", ["app.kubernetes.io/instance"] = "hijack" },
                    NodeSelector = new() { ["disk"] = "ssd" },
                    PriorityClassName = "high",
                    TerminationGracePeriodSeconds = 120,
                },
                BrokerContainer = new V1Alpha1FjordContainerTemplate { Env = [new V1EnvVar { Name = "FJORD_LOG_FORMAT", Value = "json" }] },
            };
            s.Rack = new V1Alpha1FjordRack { TopologyKey = "topology.kubernetes.io/zone" };
        }), s_noMonitoring).StatefulSet.Spec.Template;

        Assert.Equal("payments", spec.Metadata.Labels["team"]);
        Assert.Equal("orders", spec.Metadata.Labels["app.kubernetes.io/instance"]);
        Assert.Equal("ssd", spec.Spec.NodeSelector["disk"]);
        Assert.Equal("high", spec.Spec.PriorityClassName);
        Assert.Equal(120, spec.Spec.TerminationGracePeriodSeconds);
        Assert.Contains(spec.Spec.Containers[0].Env, e => e.Name == "FJORD_LOG_FORMAT" && e.Value == "json");
        Assert.Equal("topology.kubernetes.io/zone", Assert.Single(spec.Spec.TopologySpreadConstraints).TopologyKey);
    }

    [Fact]
    public void Plan_WithoutRackOrTemplate_LeavesSchedulingFieldsUnset()
    {
        var pod = ClusterObjectsPlanner.Plan(Cluster(), s_noMonitoring).StatefulSet.Spec.Template.Spec;

        Assert.Null(pod.TopologySpreadConstraints);
        Assert.Null(pod.NodeSelector);
        Assert.Equal(ClusterObjectsPlanner.DefaultTerminationGracePeriodSeconds, pod.TerminationGracePeriodSeconds);
    }
}
