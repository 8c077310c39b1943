using System.Text.Json;
using System.Text.Json.Nodes;
using Fjord.Chart.Tests.Harness;
using Fjord.Operator.Crds;
using Fjord.Operator.Hosting;
using k8s.Models;

namespace Fjord.Chart.Tests;

/// <summary>
/// <c>helm lint</c> and <c>helm template</c> of charts/fjord for its defaults and variations: every rendered object
/// fits its model strictly, the operator pod is hardened and started with the right flags, RBAC covers what the
/// operator calls, and the optional objects appear exactly when asked for.
/// </summary>
public sealed class ChartTemplateTests
{
    /// <summary>Prometheus Operator kinds have no KubernetesClient model; their content is checked by the monitoring test.</summary>
    private static readonly HashSet<string> s_monitoringKinds = ["monitoring.coreos.com/v1 ServiceMonitor", "monitoring.coreos.com/v1 PrometheusRule"];

    [Theory]
    [MemberData(nameof(ChartVariations.Names), MemberType = typeof(ChartVariations))]
    public void Lint_Variation_Passes(string variation)
    {
        // helm lint has no --api-versions; it renders as for a first install.
        var arguments = ChartVariations.All[variation];
        var values = arguments.Where((a, i) => a != "--api-versions" && (i == 0 || arguments[i - 1] != "--api-versions"));
        var output = ChartRenderer.MustHelm(["lint", "--strict", ChartRenderer.ChartDirectory, "--namespace", ChartVariations.Namespace, .. values]);
        Assert.Contains("0 chart(s) failed", output);
    }

    [Theory]
    [MemberData(nameof(ChartVariations.Names), MemberType = typeof(ChartVariations))]
    public void Template_Variation_EveryObjectFitsItsModelWithNoUnknownField(string variation)
    {
        var documents = ChartRenderer.Template(ChartVariations.Namespace, ChartVariations.All[variation]);

        Assert.NotEmpty(documents);
        foreach (var document in documents.Where(d => !s_monitoringKinds.Contains($"{d.ApiVersion} {d.Kind}")))
        {
            var model = StrictModels.Parse(document);
            Assert.Equal(document.Name, ((IMetadata<V1ObjectMeta>)model).Metadata.Name);
        }
        Assert.All(documents, d => Assert.Equal("fjord", d.Label("app.kubernetes.io/part-of")));
        Assert.All(documents, d => Assert.Equal("Helm", d.Label("app.kubernetes.io/managed-by")));
        Assert.Equal(documents.Count, documents.Select(d => $"{d.Kind}/{d.Namespace}/{d.Name}").Distinct().Count());
    }

    [Fact]
    public void Template_Defaults_OperatorPodIsHardenedAndProbedOnItsHealthEndpoints()
    {
        var documents = ChartRenderer.Template(ChartVariations.Namespace);
        var deployment = StrictModels.Parse<V1Deployment>(documents.Single(d => d.Kind == "Deployment"));
        var pod = deployment.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);

        Assert.Equal("ghcr.io/fjord-dev/fjord-operator:0.1.0", container.Image);
        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
        Assert.Equal(("/healthz", "http"), (container.LivenessProbe.HttpGet.Path, container.LivenessProbe.HttpGet.Port.Value));
        Assert.Equal(("/readyz", "http"), (container.ReadinessProbe.HttpGet.Path, container.ReadinessProbe.HttpGet.Port.Value));
        Assert.NotNull(container.Resources.Requests["memory"]);
        Assert.NotNull(container.Resources.Limits["memory"]);
        Assert.Equal("/tmp", Assert.Single(container.VolumeMounts).MountPath);
        Assert.Equal(deployment.Metadata.Name, pod.ServiceAccountName);
        Assert.Equal(["run", "--namespace", "all", "--http-listen", "$(POD_IP):8080", "--leader-elect", "true", "--lease-namespace", ChartVariations.Namespace], container.Args);
        // The flags must be ones the operator accepts.
        var options = OperatorOptions.Parse([.. container.Args]);
        Assert.Null(options.Namespace);
        Assert.Equal(["POD_NAME", "POD_NAMESPACE", "POD_IP", "TMPDIR"], container.Env.Select(e => e.Name));

        var service = StrictModels.Parse<V1Service>(documents.Single(d => d.Kind == "Service"));
        Assert.Equal(deployment.Spec.Selector.MatchLabels, service.Spec.Selector);
        Assert.All(deployment.Spec.Selector.MatchLabels, l => Assert.Equal(l.Value, deployment.Spec.Template.Metadata.Labels[l.Key]));
        Assert.Equal(("http-metrics", 8080, "http"), (service.Spec.Ports[0].Name, service.Spec.Ports[0].Port, service.Spec.Ports[0].TargetPort.Value));
        Assert.DoesNotContain(documents, d => d.Kind is "FjordCluster" or "FjordTopic" or "ServiceMonitor" or "PrometheusRule" or "ConfigMap");
    }

    [Fact]
    public void Template_Defaults_ClusterRoleGrantsWhatTheOperatorCalls()
    {
        var documents = ChartRenderer.Template(ChartVariations.Namespace);
        var role = StrictModels.Parse<V1ClusterRole>(documents.Single(d => d.Kind == "ClusterRole"));
        var binding = StrictModels.Parse<V1ClusterRoleBinding>(documents.Single(d => d.Kind == "ClusterRoleBinding"));
        var leaseRole = StrictModels.Parse<V1Role>(documents.Single(d => d.Kind == "Role"));

        // Informers (list, watch) on every kind the operator knows a REST path for; server-side apply (patch) on what it owns.
        foreach (var kind in new[] { "ConfigMap", "Service", "Pod", "StatefulSet", "PodDisruptionBudget", V1Alpha1FjordCluster.KindName, V1Alpha1FjordTopic.KindName })
        {
            var (group, plural) = GroupAndPlural(KubernetesPaths.Collection(kind, null));
            Assert.True(Grants(role.Rules, group, plural, "list") && Grants(role.Rules, group, plural, "watch"), $"list/watch {group}/{plural}");
        }
        foreach (var kind in new[] { "ConfigMap", "Service", "StatefulSet", "PodDisruptionBudget", "ServiceMonitor" })
        {
            var (group, plural) = GroupAndPlural(KubernetesPaths.Collection(kind, null));
            Assert.True(Grants(role.Rules, group, plural, "patch") && Grants(role.Rules, group, plural, "create"), $"apply {group}/{plural}");
        }
        Assert.True(Grants(role.Rules, "", "pods", "delete"));
        Assert.True(Grants(role.Rules, "", "events", "create"));
        Assert.True(Grants(role.Rules, FjordGroup.Name, "fjordclusters/status", "patch"));
        Assert.False(Grants(role.Rules, "", "secrets", "get"), "the operator reads no Secrets");
        Assert.False(Grants(role.Rules, "", "persistentvolumeclaims", "delete"), "claims are the StatefulSet controller's (deleteClaim)");
        Assert.DoesNotContain(role.Rules, r => r.Verbs.Contains("*") || r.Resources.Contains("*"));

        Assert.True(Grants(leaseRole.Rules, "coordination.k8s.io", "leases", "update"));
        Assert.Equal(ChartVariations.Namespace, leaseRole.Metadata.NamespaceProperty);
        var subject = Assert.Single(binding.Subjects);
        Assert.Equal((role.Metadata.Name, "fjord-operator", ChartVariations.Namespace), (binding.RoleRef.Name, subject.Name, subject.NamespaceProperty));
    }

    [Fact]
    public void Template_NamespaceScoped_GrantsOnlyARoleThereAndWatchesThatNamespace()
    {
        var documents = ChartRenderer.Template(ChartVariations.Namespace, ChartVariations.All["namespace-scoped"]);

        Assert.DoesNotContain(documents, d => d.Kind is "ClusterRole" or "ClusterRoleBinding");
        var role = StrictModels.Parse<V1Role>(documents.Single(d => d.Kind == "Role" && d.Namespace == "team-a"));
        var binding = StrictModels.Parse<V1RoleBinding>(documents.Single(d => d.Kind == "RoleBinding" && d.Namespace == "team-a"));
        Assert.True(Grants(role.Rules, "apps", "statefulsets", "patch"));
        Assert.Equal(("Role", role.Metadata.Name), (binding.RoleRef.Kind, binding.RoleRef.Name));
        Assert.Equal(ChartVariations.Namespace, Assert.Single(binding.Subjects).NamespaceProperty);
        var container = StrictModels.Parse<V1Deployment>(documents.Single(d => d.Kind == "Deployment")).Spec.Template.Spec.Containers[0];
        Assert.Equal("team-a", OperatorOptions.Parse([.. container.Args]).Namespace);
        Assert.Single(documents, d => d.Kind == "Role" && d.Namespace == ChartVariations.Namespace);
    }

    [Fact]
    public void Template_ClusterWithTopics_RendersThemAsPostInstallHooksThatHelmKeeps()
    {
        var documents = ChartRenderer.Template(ChartVariations.Namespace, ChartVariations.All["cluster-with-topics"]);

        var clusterDocument = documents.Single(d => d.Kind == "FjordCluster");
        var cluster = StrictModels.Parse<V1Alpha1FjordCluster>(clusterDocument);
        Assert.Equal(("events", 5, true), (cluster.Metadata.Name, cluster.Spec.Replicas, cluster.Spec.Storage.DeleteClaim));
        var topics = documents.Where(d => d.Kind == "FjordTopic").ToList();
        var orders = StrictModels.Parse<V1Alpha1FjordTopic>(topics.Single(d => d.Name == "orders"));
        var audit = StrictModels.Parse<V1Alpha1FjordTopic>(topics.Single(d => d.Name == "audit"));
        Assert.Equal(("events", 12, 3, "604800000"), (orders.Spec.ClusterRef.Name, orders.Spec.Partitions, orders.Spec.Replicas, orders.Spec.Config!["retention.ms"]));
        Assert.Equal(("Audit.Log", "Retain", "events"), (audit.Spec.TopicName, audit.Spec.DeletionPolicy, audit.Spec.ClusterRef.Name));
        foreach (var document in topics.Append(clusterDocument))
        {
            // The CRDs are in the same release: Helm can only build these once they exist, after the install.
            Assert.Equal("post-install,post-upgrade", document.Annotation("helm.sh/hook"));
            Assert.Equal("keep", document.Annotation("helm.sh/resource-policy"));
            // Ownership metadata, so that the next upgrade adopts them as release objects.
            Assert.Equal(("fjord", ChartVariations.Namespace), (document.Annotation("meta.helm.sh/release-name"), document.Annotation("meta.helm.sh/release-namespace")));
        }
    }

    [Fact]
    public void Template_CrdsAlreadyInstalled_RendersTheClusterAsAnOrdinaryReleaseObject()
    {
        var documents = ChartRenderer.Template(ChartVariations.Namespace, ChartVariations.All["crds-installed-with-cluster"]);

        foreach (var document in documents.Where(d => d.Kind is "FjordCluster" or "FjordTopic"))
        {
            Assert.Null(document.Annotation("helm.sh/hook"));
            Assert.Equal("keep", document.Annotation("helm.sh/resource-policy"));
        }
        Assert.Equal(2, documents.Count(d => d.Kind is "FjordCluster" or "FjordTopic"));
    }

    [Fact]
    public void Template_Monitoring_CarriesDeployMonitoringsAlertsAndDashboard()
    {
        var documents = ChartRenderer.Template(ChartVariations.Namespace, ChartVariations.All["monitoring"]);

        var monitor = documents.Single(d => d.Kind == "ServiceMonitor");
        var service = StrictModels.Parse<V1Service>(documents.Single(d => d.Kind == "Service"));
        Assert.Equal("prom", monitor.Label("release"));
        Assert.Equal(JsonSerializer.SerializeToNode(service.Spec.Selector)!.ToJsonString(), monitor.Json["spec"]!["selector"]!["matchLabels"]!.ToJsonString());
        Assert.Equal(service.Spec.Ports[0].Name, (string?)monitor.Json["spec"]!["endpoints"]![0]!["port"]);
        Assert.Equal("/metrics", (string?)monitor.Json["spec"]!["endpoints"]![0]!["path"]);

        var rule = documents.Single(d => d.Kind == "PrometheusRule");
        var committed = ChartRenderer.Split(File.ReadAllText(Path.Combine(KubeTools.RepoRoot, "deploy", "monitoring", "fjord-alerts.yaml"))).Single();
        Assert.True(JsonNode.DeepEquals(committed.Json["spec"], rule.Json["spec"]), "the PrometheusRule's spec is deploy/monitoring/fjord-alerts.yaml's");
        Assert.Contains("{{ $value }}", rule.Json["spec"]!.ToJsonString(), StringComparison.Ordinal);

        var dashboard = StrictModels.Parse<V1ConfigMap>(documents.Single(d => d.Kind == "ConfigMap"));
        Assert.Equal(("grafana", "1"), (dashboard.Metadata.NamespaceProperty, dashboard.Metadata.Labels["grafana_dashboard"]));
        var file = File.ReadAllText(Path.Combine(KubeTools.RepoRoot, "deploy", "monitoring", "fjord-dashboard.json"));
        Assert.Equal(file.TrimEnd('\n'), dashboard.Data["fjord-dashboard.json"]);
    }

    [Fact]
    public void Template_CustomImages_UsesThemForTheOperatorAndTheCluster()
    {
        var documents = ChartRenderer.Template(ChartVariations.Namespace, ChartVariations.All["custom-images"]);

        var pod = StrictModels.Parse<V1Deployment>(documents.Single(d => d.Kind == "Deployment")).Spec.Template.Spec;
        Assert.Equal(("registry.example.com/fjord/fjord-operator:1.2.3", "Always"), (pod.Containers[0].Image, pod.Containers[0].ImagePullPolicy));
        Assert.Equal("regcred", Assert.Single(pod.ImagePullSecrets).Name);
        var cluster = StrictModels.Parse<V1Alpha1FjordCluster>(documents.Single(d => d.Kind == "FjordCluster"));
        Assert.Equal("registry.example.com/fjord/fjord-broker:1.2.3", cluster.Spec.Image);
    }

    [Theory]
    [InlineData("bogus=1", "Additional property bogus is not allowed")]
    [InlineData("watchNamespaces={a,b}", "watchNamespaces: Array must have at most 1 items")]
    [InlineData("cluster.spec.controllers=2", "cluster.spec.controllers must be one of the following: 1, 3, 5")]
    [InlineData("topics[0].partitions=3", "topics.0: name is required")]
    public void Template_ValuesOutsideTheSchema_AreRejected(string set, string expected)
    {
        var result = ChartRenderer.Helm("template", "fjord", ChartRenderer.ChartDirectory, "--set", set);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expected, result.StandardError, StringComparison.Ordinal);
    }

    private static (string Group, string Plural) GroupAndPlural(string collectionPath)
    {
        var parts = collectionPath.Trim('/').Split('/');
        return parts[0] == "api" ? ("", parts[^1]) : (parts[1], parts[^1]);
    }

    private static bool Grants(IEnumerable<V1PolicyRule> rules, string group, string resource, string verb) =>
        rules.Any(r => r.ApiGroups.Contains(group) && r.Resources.Contains(resource) && r.Verbs.Contains(verb));
}
