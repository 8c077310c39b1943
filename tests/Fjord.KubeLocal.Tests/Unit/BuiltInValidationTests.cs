using System.Text.Json.Nodes;
using Fjord.KubeLocal.Schema;

namespace Fjord.KubeLocal.Tests.Unit;

public sealed class BuiltInValidationTests
{
    private static List<(string Field, string Message)> Check(string storageKey, string json) =>
        BuiltInValidation.Check(storageKey, JsonNode.Parse(json)!.AsObject());

    [Fact]
    public void Workload_SelectorMustMatchTemplateLabels()
    {
        var errors = Check("apps/statefulsets", """{"spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}""");
        Assert.Contains(errors, e => e.Field == "spec.template.metadata.labels" && e.Message.Contains("does not match", StringComparison.Ordinal));
        Assert.Contains(Check("apps/deployments", """{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"i"}]}}}}"""), e => e.Field == "spec.selector");
    }

    [Fact]
    public void PodSpec_NeedsNamedContainersWithImagesAndValidPorts()
    {
        var errors = Check("pods", """{"spec":{"containers":[{"name":"Bad_Name","image":""},{"name":"ok","image":"i","ports":[{"containerPort":70000}]},{"name":"ok","image":"i"}]}}""");
        Assert.Equal(["spec.containers[0].name", "spec.containers[0].image", "spec.containers[1].ports[0].containerPort", "spec.containers[2].name"], errors.Select(e => e.Field));
        Assert.Contains(Check("pods", """{"spec":{}}"""), e => e.Field == "spec.containers");
        Assert.Empty(Check("pods", """{"spec":{"containers":[{"name":"c","image":"busybox"}]}}"""));
    }

    [Fact]
    public void Service_PortsNeedNumbersAndNamesWhenSeveral()
    {
        var errors = Check("services", """{"spec":{"ports":[{"port":0},{"port":80}]}}""");
        Assert.Equal(["spec.ports[0].port", "spec.ports[0].name", "spec.ports[1].name"], errors.Select(e => e.Field));
        Assert.Empty(Check("services", """{"spec":{"clusterIP":"None"}}"""));
    }
}
