using System.Text.Json.Nodes;
using Fjord.Chart.Tests.Harness;
using Fjord.Operator.Crds;
using k8s.Models;

namespace Fjord.Chart.Tests;

/// <summary>
/// What the chart carries from deploy/ stays identical to it (Helm reads no file outside the chart, so
/// <c>make chart-assets</c> copies them), deploy/install.yaml is the chart rendered now, and deploy/examples fit the CRDs.
/// </summary>
public sealed class ChartAssetsTests
{
    private static string Deploy(params string[] parts) => Path.Combine([KubeTools.RepoRoot, "deploy", .. parts]);

    public static TheoryData<string> CarriedFiles() =>
    [
        .. Directory.GetFiles(Deploy("crds"), "*.yaml").Select(f => "crds/" + Path.GetFileName(f)),
        "monitoring/fjord-alerts.yaml",
        "monitoring/fjord-dashboard.json",
    ];

    [Theory]
    [MemberData(nameof(CarriedFiles))]
    public void ChartFile_IsIdenticalToDeploy_RunMakeChartAssetsOtherwise(string relative)
    {
        var chartCopy = Path.Combine(ChartRenderer.ChartDirectory, "files", relative);

        Assert.True(File.Exists(chartCopy), $"charts/fjord/files/{relative} is missing; run `make chart-assets`");
        Assert.True(File.ReadAllText(Deploy(relative)) == File.ReadAllText(chartCopy), $"charts/fjord/files/{relative} differs from deploy/{relative}; run `make chart-assets`");
    }

    [Fact]
    public void ChartCrdFiles_AreExactlyDeployCrds()
    {
        Assert.Equal(Directory.GetFiles(Deploy("crds"), "*.yaml").Select(Path.GetFileName).Order(),
            Directory.GetFiles(Path.Combine(ChartRenderer.ChartDirectory, "files", "crds"), "*.yaml").Select(Path.GetFileName).Order());
    }

    [Fact]
    public void RenderedCrds_EqualDeployCrds_AndAreKeptOnUninstall()
    {
        var rendered = ChartRenderer.Template(ChartVariations.Namespace).Where(d => d.Kind == "CustomResourceDefinition").ToDictionary(d => d.Name);
        var committed = Directory.GetFiles(Deploy("crds"), "*.yaml").Select(f => ChartRenderer.Split(File.ReadAllText(f)).Single()).ToList();

        Assert.Equal(committed.Select(c => c.Name).Order(), rendered.Keys.Order());
        foreach (var crd in committed)
        {
            var chart = rendered[crd.Name];
            StrictModels.Parse<V1CustomResourceDefinition>(chart);
            Assert.True(JsonNode.DeepEquals(crd.Json["spec"], chart.Json["spec"]), $"{crd.Name}: the chart's spec differs from deploy/crds");
            Assert.Equal("keep", chart.Annotation("helm.sh/resource-policy"));
            Assert.Equal(crd.Label("app.kubernetes.io/part-of"), chart.Label("app.kubernetes.io/part-of"));
        }
    }

    [Fact]
    public void InstallYaml_IsTheChartRenderedNow_RunMakeInstallYamlOtherwise()
    {
        var render = ExternalCommand.Run("bash", [Deploy("render-install-yaml.sh"), KubeTools.Helm, ChartRenderer.ChartDirectory]);
        Assert.True(render.ExitCode == 0, render.ToString());

        Assert.True(render.StandardOutput == File.ReadAllText(Deploy("install.yaml")), "deploy/install.yaml is out of date; run `make install-yaml`");
        var documents = ChartRenderer.Split(render.StandardOutput);
        Assert.All(documents, d => StrictModels.Parse(d));
        Assert.Equal("Namespace", documents[0].Kind);
        Assert.All(documents.Where(d => d.Kind is "Deployment" or "ServiceAccount" or "Service"), d => Assert.Equal("fjord-system", d.Namespace));
        Assert.Equal(2, documents.Count(d => d.Kind == "CustomResourceDefinition"));
    }

    [Theory]
    [InlineData("cluster.yaml", "FjordCluster")]
    [InlineData("topic.yaml", "FjordTopic")]
    [InlineData("monitoring.yaml", "FjordCluster")]
    public void Example_FitsTheOperatorsCrdTypes(string file, string kind)
    {
        var document = ChartRenderer.Split(File.ReadAllText(Deploy("examples", file))).Single();

        Assert.Equal((FjordGroup.ApiVersion, kind), (document.ApiVersion, document.Kind));
        var model = StrictModels.Parse(document);

        Assert.Equal(document.Name, ((IMetadata<V1ObjectMeta>)model).Metadata.Name);
    }
}
