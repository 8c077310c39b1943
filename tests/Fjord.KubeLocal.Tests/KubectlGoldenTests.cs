using Fjord.KubeLocal.Tests.Harness;

namespace Fjord.KubeLocal.Tests;

/// <summary>Golden flows driven by the real kubectl 1.31 against a fresh kube-local process.</summary>
public sealed class KubectlGoldenTests : IDisposable
{
    private readonly KubeLocalServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public void ClientSideApply_GetDescribeDelete_BehaveAsOnACluster()
    {
        Assert.Contains("statefulset.apps/web created", _server.MustKubectlWithInput(Manifests.StatefulSetAndService, "apply", "-f", "-"));
        Assert.Contains("statefulset.apps/web unchanged", _server.MustKubectlWithInput(Manifests.StatefulSetAndService, "apply", "-f", "-"));
        var changed = Manifests.StatefulSetAndService.Replace("ENV_VALUE", "CHANGED", StringComparison.Ordinal);
        Assert.Contains("statefulset.apps/web configured", _server.MustKubectlWithInput(changed, "apply", "-f", "-"));
        Assert.Equal("CHANGED 2", _server.MustKubectl("get", "sts", "web", "-o", "jsonpath={.spec.template.spec.containers[0].env[0].value} {.metadata.generation}"));

        var table = _server.MustKubectl("get", "sts,svc");
        Assert.Contains("READY", table);
        Assert.Contains("statefulset.apps/web   0/2", table);
        Assert.Matches(@"service/web\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+80/TCP", table);

        var described = _server.MustKubectl("describe", "sts", "web");
        Assert.Contains("Update Strategy:    RollingUpdate", described);
        Assert.Contains("Partition:        0", described);

        Assert.Contains("statefulset.apps \"web\" deleted", _server.MustKubectl("delete", "sts", "web", "--wait=true"));
        var gone = _server.Kubectl("get", "sts", "web");
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains("NotFound", gone.StandardError);
    }

    [Fact]
    public void Describe_ShowsEventsOfTheObject_FromCoreAndEventsApi()
    {
        _server.MustKubectl("create", "configmap", "target", "--from-literal=a=b");
        var uid = _server.MustKubectl("get", "configmap", "target", "-o", "jsonpath={.metadata.uid}");
        _server.MustKubectlWithInput($$"""
            apiVersion: events.k8s.io/v1
            kind: Event
            metadata: {name: target.1}
            eventTime: "2026-01-01T00:00:00.000000Z"
            reportingController: fjord.io/test
            reportingInstance: test-1
            action: Reconcile
            reason: Reconciled
            type: Normal
            note: configuration applied
            regarding: {kind: ConfigMap, name: target, namespace: default, uid: "{{uid}}", apiVersion: v1}
            """, "create", "-f", "-");
        var described = _server.MustKubectl("describe", "configmap", "target");
        Assert.Contains("Reconciled", described);
        Assert.Contains("configuration applied", described);
        Assert.Contains("configuration applied", _server.MustKubectl("get", "events", "--field-selector", "involvedObject.name=target"));
        Assert.Contains("No resources found", _server.Kubectl("get", "events", "--field-selector", "involvedObject.name=other").StandardError);
    }

    [Fact]
    public void Patch_MergeJsonStrategic_AndStrategicOnCustomResource_Is415()
    {
        _server.MustKubectlWithInput(Manifests.StatefulSetAndService, "apply", "-f", "-");
        _server.MustKubectl("patch", "sts", "web", "--type", "merge", "-p", """{"metadata":{"labels":{"tier":"x"}}}""");
        _server.MustKubectl("patch", "sts", "web", "--type", "json", "-p", """[{"op":"replace","path":"/spec/replicas","value":3}]""");
        _server.MustKubectl("patch", "sts", "web", "-p", """{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"busybox:1.37"}]}}}}""");
        Assert.Equal("x 3 busybox:1.37 sleep 1000 ENV_VALUE",
            _server.MustKubectl("get", "sts", "web", "-o", "jsonpath={.metadata.labels.tier} {.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].command[2]} {.spec.template.spec.containers[0].env[0].value}"));

        ApplyWidgetCrd();
        _server.MustKubectlWithInput(Manifests.Widget("w1", "{mode: fast}"), "apply", "-f", "-");
        var strategic = _server.Kubectl("patch", "widget", "w1", "-p", """{"spec":{"mode":"safe"}}""");
        Assert.NotEqual(0, strategic.ExitCode);
        Assert.Contains("strategic-merge-patch", strategic.StandardError);
    }

    [Fact]
    public void Scale_StatefulSetAndCustomResource_GoThroughScaleSubresource()
    {
        _server.MustKubectlWithInput(Manifests.StatefulSetAndService, "apply", "-f", "-");
        Assert.Contains("scaled", _server.MustKubectl("scale", "sts", "web", "--replicas=5"));
        Assert.Equal("5 2", _server.MustKubectl("get", "sts", "web", "-o", "jsonpath={.spec.replicas} {.metadata.generation}"));

        ApplyWidgetCrd();
        _server.MustKubectlWithInput(Manifests.Widget("w1", "{mode: fast}"), "apply", "-f", "-");
        _server.MustKubectl("scale", "widget", "w1", "--replicas=3");
        Assert.Equal("3", _server.MustKubectl("get", "wd", "w1", "-o", "jsonpath={.spec.replicas}"));
    }

    [Fact]
    public async Task WaitForCondition_OnCustomResourceStatus_ReturnsWhenStatusIsWritten()
    {
        ApplyWidgetCrd();
        _server.MustKubectlWithInput(Manifests.Widget("w1", "{mode: fast}"), "apply", "-f", "-");
        var waiter = Task.Run(() => _server.Kubectl("wait", "--for=condition=Ready", "widget/w1", "--timeout=60s"));
        Eventually.True(() => waiter.IsCompleted || _server.Output.Contains("/widgets?allowWatchBookmarks=true", StringComparison.Ordinal), TimeSpan.FromSeconds(30), () => "kubectl wait did not start watching: " + _server.Output);
        Assert.False(waiter.IsCompleted, "kubectl wait ended before the status was written");
        // Status written through the main resource is ignored (status subresource); only /status counts.
        _server.MustKubectl("patch", "widget", "w1", "--type", "merge", "-p", """{"status":{"replicas":7}}""");
        Assert.Equal("", _server.MustKubectl("get", "wd", "w1", "-o", "jsonpath={.status.replicas}"));
        _server.MustKubectl("patch", "widget", "w1", "--subresource=status", "--type", "merge", "-p",
            """{"status":{"observedGeneration":1,"conditions":[{"type":"Ready","status":"True"}]}}""");
        var result = await waiter;
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("condition met", result.StandardOutput);
        Assert.Equal("1", _server.MustKubectl("get", "wd", "w1", "-o", "jsonpath={.metadata.generation}"));
    }

    [Fact]
    public void ServerSideApply_AfterClientSideApply_MergesInsteadOfReplacing()
    {
        _server.MustKubectlWithInput(Manifests.StatefulSetAndService, "apply", "-f", "-");
        _server.MustKubectl("label", "sts", "web", "extra=kept");
        Assert.Contains("serverside-applied", _server.MustKubectlWithInput(Manifests.StatefulSetAndService, "apply", "--server-side", "-f", "-"));
        Assert.Equal("2 kept busybox:1.36", _server.MustKubectl("get", "sts", "web", "-o", "jsonpath={.spec.replicas} {.metadata.labels.extra} {.spec.template.spec.containers[0].image}"));

        var fewer = Manifests.StatefulSetAndService.Replace("replicas: 2", "replicas: 4", StringComparison.Ordinal);
        var conflict = _server.KubectlWithInput(fewer, "apply", "--server-side", "--field-manager=other", "-f", "-");
        Assert.NotEqual(0, conflict.ExitCode);
        Assert.Contains("conflict", conflict.StandardError, StringComparison.OrdinalIgnoreCase);
        _server.MustKubectlWithInput(fewer, "apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", "-");
        Assert.Equal("4", _server.MustKubectl("get", "sts", "web", "-o", "jsonpath={.spec.replicas}"));
        var managers = _server.MustKubectl("get", "sts", "web", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].manager}");
        Assert.Contains("other", managers);
    }

    [Fact]
    public void CreateSecretConfigMapNamespace_SendProtobuf_AndAreStored()
    {
        _server.MustKubectl("create", "namespace", "team-a");
        _server.MustKubectl("create", "secret", "generic", "s1", "-n", "team-a", "--from-literal=password=hunter2");
        _server.MustKubectl("create", "configmap", "c1", "-n", "team-a", "--from-literal=k=v");
        Assert.Equal("aHVudGVyMg== v Active", string.Join(' ',
            _server.MustKubectl("get", "secret", "s1", "-n", "team-a", "-o", "jsonpath={.data.password}"),
            _server.MustKubectl("get", "configmap", "c1", "-n", "team-a", "-o", "jsonpath={.data.k}"),
            _server.MustKubectl("get", "namespace", "team-a", "-o", "jsonpath={.status.phase}")));
        var duplicate = _server.Kubectl("create", "configmap", "c1", "-n", "team-a", "--from-literal=k=v");
        Assert.Contains("configmaps \"c1\" already exists", duplicate.StandardError);
    }

    [Fact]
    public void DeleteNamespace_TerminatesItAndRemovesItsObjects()
    {
        _server.MustKubectl("create", "namespace", "doomed");
        _server.MustKubectl("create", "configmap", "c1", "-n", "doomed", "--from-literal=k=v");
        _server.MustKubectl("delete", "namespace", "doomed", "--wait=true", "--timeout=60s");
        Assert.Contains("NotFound", _server.Kubectl("get", "namespace", "doomed").StandardError);
        var refused = _server.Kubectl("create", "configmap", "c2", "-n", "doomed", "--from-literal=k=v");
        Assert.Contains("namespaces \"doomed\" not found", refused.StandardError);
    }

    [Fact]
    public void Logs_ReadTheFileTheKubeletWrites_WithTail()
    {
        _server.MustKubectlWithInput("""
            apiVersion: v1
            kind: Pod
            metadata: {name: p1}
            spec:
              containers:
              - {name: main, image: busybox, command: [sh, -c, "echo hi"]}
            """, "apply", "-f", "-");
        var directory = Path.Combine(_server.StateDirectory, "pods", "default", "p1");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "main.log"), "line 1\nline 2\nline 3\n");
        Assert.Equal("line 1\nline 2\nline 3\n", _server.MustKubectl("logs", "p1"));
        Assert.Equal("line 3\n", _server.MustKubectl("logs", "p1", "--tail=1"));
        Assert.Contains("previous terminated container", _server.Kubectl("logs", "p1", "--previous").StandardError);
        Assert.Matches(@"p1\s+0/1\s+Pending", _server.MustKubectl("get", "pods"));
    }

    [Fact]
    public async Task LogsFollow_StreamsAppendedLines_UntilThePodIsGone()
    {
        _server.MustKubectlWithInput("""
            apiVersion: v1
            kind: Pod
            metadata: {name: p1}
            spec:
              containers:
              - {name: main, image: busybox}
            """, "apply", "-f", "-");
        var log = Path.Combine(_server.StateDirectory, "pods", "default", "p1", "main.log");
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        File.WriteAllText(log, "first\n");
        var follower = Task.Run(() => _server.Kubectl("logs", "-f", "p1"));
        Eventually.True(() => _server.Output.Split('\n').Any(l => l.Contains("/pods/p1/log?", StringComparison.Ordinal) && l.Contains("follow=true", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), () => "kubectl logs -f did not connect: " + _server.Output);
        File.AppendAllText(log, "second\n");
        _server.MustKubectl("delete", "pod", "p1");
        var result = await follower;
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("first\nsecond\n", result.StandardOutput);
    }

    [Fact]
    public void Finalizers_HoldTheObject_UntilRemoved_AndGarbageCollectionFollowsOwners()
    {
        _server.MustKubectlWithInput("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: held, finalizers: [example.com/hold]}
            """, "apply", "-f", "-");
        _server.MustKubectl("delete", "configmap", "held", "--wait=false");
        Assert.NotEqual("", _server.MustKubectl("get", "configmap", "held", "-o", "jsonpath={.metadata.deletionTimestamp}"));
        _server.MustKubectl("patch", "configmap", "held", "--type", "json", "-p", """[{"op":"remove","path":"/metadata/finalizers"}]""");
        Assert.Contains("NotFound", _server.Kubectl("get", "configmap", "held").StandardError);

        foreach (var cascade in new[] { "background", "foreground", "orphan" })
        {
            _server.MustKubectl("create", "configmap", $"owner-{cascade}");
            var uid = _server.MustKubectl("get", "configmap", $"owner-{cascade}", "-o", "jsonpath={.metadata.uid}");
            _server.MustKubectlWithInput($$"""
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: dependent-{{cascade}}
                  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner-{{cascade}}, uid: "{{uid}}", blockOwnerDeletion: true}]
                """, "apply", "-f", "-");
            _server.MustKubectl("delete", "configmap", $"owner-{cascade}", $"--cascade={cascade}", "--timeout=60s");
            if (cascade == "orphan")
            {
                Assert.Equal("", _server.MustKubectl("get", "configmap", $"dependent-{cascade}", "-o", "jsonpath={.metadata.ownerReferences}"));
            }
            else
            {
                Eventually.True(() => _server.Kubectl("get", "configmap", $"dependent-{cascade}").StandardError.Contains("NotFound"),
                    TimeSpan.FromSeconds(30), $"dependent of a {cascade} delete was not collected");
            }
        }
    }

    [Fact]
    public void Replace_WithStaleResourceVersion_Conflicts_AndCustomResourcePutWithoutVersionIsInvalid()
    {
        _server.MustKubectl("create", "configmap", "c1", "--from-literal=k=v");
        var stale = _server.MustKubectl("get", "configmap", "c1", "-o", "json");
        _server.MustKubectl("patch", "configmap", "c1", "--type", "merge", "-p", """{"data":{"k":"w"}}""");
        var conflict = _server.KubectlWithInput(stale, "replace", "-f", "-");
        Assert.Contains("the object has been modified", conflict.StandardError);

        ApplyWidgetCrd();
        _server.MustKubectlWithInput(Manifests.Widget("w1", "{mode: fast}"), "create", "-f", "-");
        // kubectl replace fills in the live resourceVersion itself; --raw sends the PUT as written.
        var noVersion = _server.KubectlWithInput("""{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w1"},"spec":{"mode":"safe"}}""", "replace", "--raw", "/apis/example.com/v1/namespaces/default/widgets/w1", "-f", "-");
        Assert.Contains("must be specified for an update", noVersion.StandardError);
    }

    [Fact]
    public void CustomResource_DefaultsEnumAndUnknownFields_UnderStrictWarnIgnore()
    {
        ApplyWidgetCrd();
        _server.MustKubectlWithInput(Manifests.Widget("defaults", "{}"), "apply", "-f", "-");
        Assert.Equal("safe 1", _server.MustKubectl("get", "wd", "defaults", "-o", "jsonpath={.spec.mode} {.spec.replicas}"));

        var badEnum = _server.KubectlWithInput(Manifests.Widget("bad", "{mode: turbo}"), "apply", "-f", "-");
        Assert.Contains("Unsupported value: \"turbo\"", badEnum.StandardError);
        var negative = _server.KubectlWithInput(Manifests.Widget("bad", "{replicas: -1}"), "apply", "-f", "-");
        Assert.Contains("should be greater than or equal to 0", negative.StandardError);

        var unknown = Manifests.Widget("u", "{mode: fast, color: red}");
        var strict = _server.KubectlWithInput(unknown, "apply", "-f", "-");
        Assert.Contains("unknown field \"spec.color\"", strict.StandardError);
        var warn = _server.KubectlWithInput(unknown, "apply", "--validate=warn", "-f", "-");
        Assert.Equal(0, warn.ExitCode);
        Assert.Contains("unknown field \"spec.color\"", warn.StandardError);
        _server.MustKubectl("delete", "wd", "u");
        var ignore = _server.KubectlWithInput(unknown, "apply", "--validate=false", "-f", "-");
        Assert.Equal(0, ignore.ExitCode);
        Assert.DoesNotContain("unknown field", ignore.StandardError);
        Assert.Equal("", _server.MustKubectl("get", "wd", "u", "-o", "jsonpath={.spec.color}"));
    }

    [Fact]
    public void BuiltIn_UnknownTopLevelField_IsRejectedUnderStrict_AndDroppedOtherwise()
    {
        const string misplaced = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: c1}
            datas: {k: v}
            """;
        Assert.Contains("unknown field \"datas\"", _server.KubectlWithInput(misplaced, "apply", "-f", "-").StandardError);
        var warn = _server.KubectlWithInput(misplaced, "apply", "--validate=warn", "-f", "-");
        Assert.Equal(0, warn.ExitCode);
        Assert.Contains("unknown field \"datas\"", warn.StandardError);
        Assert.Equal("", _server.MustKubectl("get", "configmap", "c1", "-o", "jsonpath={.datas}"));
    }

    private void ApplyWidgetCrd()
    {
        _server.MustKubectlWithInput(Manifests.WidgetCrd, "apply", "-f", "-");
        _server.MustKubectl("wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=30s");
    }
}
