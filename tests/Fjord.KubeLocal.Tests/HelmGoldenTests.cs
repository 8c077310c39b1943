using Fjord.KubeLocal.Tests.Harness;

namespace Fjord.KubeLocal.Tests;

/// <summary>
/// Helm 3.17 installs, upgrades, lists, shows and uninstalls a chart with a CRD, a Deployment, a Secret and a
/// custom resource. Release storage goes through protobuf Secret writes. Without --wait: the controllers and
/// kubelet that make a Deployment ready are a separate executable.
/// </summary>
public sealed class HelmGoldenTests : IDisposable
{
    private readonly KubeLocalServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public void InstallUpgradeUninstall_TestChart_LikeOnACluster()
    {
        var chart = KubeTools.ChartPath("kube-local-test");
        _server.MustKubectl("create", "namespace", "apps");
        Assert.Contains("STATUS: deployed", _server.MustHelm("install", "rel1", chart, "-n", "apps"));
        Assert.Equal("Established=True", _server.MustKubectl("get", "crd", "gadgets.test.fjord.io", "-o", "jsonpath={.status.conditions[?(@.type==\"Established\")].type}={.status.conditions[?(@.type==\"Established\")].status}"));
        Assert.Equal("1 hello 2", string.Join(' ',
            _server.MustKubectl("get", "deploy", "rel1-app", "-n", "apps", "-o", "jsonpath={.spec.replicas}"),
            System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(_server.MustKubectl("get", "secret", "rel1-secret", "-n", "apps", "-o", "jsonpath={.data.greeting}"))),
            _server.MustKubectl("get", "gadget", "rel1-gadget", "-n", "apps", "-o", "jsonpath={.spec.size}")));
        Assert.Matches(@"rel1\s+apps\s+1\s+.*deployed", _server.MustHelm("list", "-n", "apps"));

        Assert.Contains("has been upgraded", _server.MustHelm("upgrade", "rel1", chart, "-n", "apps", "--set", "replicas=3", "--set", "greeting=bye"));
        Assert.Equal("3", _server.MustKubectl("get", "deploy", "rel1-app", "-n", "apps", "-o", "jsonpath={.spec.replicas}"));
        Assert.Equal("2", _server.MustKubectl("get", "deploy", "rel1-app", "-n", "apps", "-o", "jsonpath={.metadata.generation}"));
        Assert.Contains("REVISION: 2", _server.MustHelm("status", "rel1", "-n", "apps"));
        Assert.Contains("superseded", _server.MustHelm("history", "rel1", "-n", "apps"));

        Assert.Contains("release \"rel1\" uninstalled", _server.MustHelm("uninstall", "rel1", "-n", "apps"));
        Assert.Contains("No resources found", _server.Kubectl("get", "deploy,secret,gadget", "-n", "apps").StandardError);
        Assert.DoesNotContain("rel1", _server.MustHelm("list", "-n", "apps", "--all"));
        // CRDs from crds/ outlive the release, as Helm documents.
        _server.MustKubectl("get", "crd", "gadgets.test.fjord.io");
    }
}
