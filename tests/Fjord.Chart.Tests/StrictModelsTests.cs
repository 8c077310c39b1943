using Fjord.Chart.Tests.Harness;

namespace Fjord.Chart.Tests;

/// <summary>The strict parse the template tests rely on does reject a misplaced key, deep or shallow.</summary>
public sealed class StrictModelsTests
{
    [Theory]
    [InlineData("apps/v1", "Deployment", "spec: {replicas: 1, selector: {}, template: {spec: {containers: [{name: a, image: b, readOnlyRootFilesystem: true}]}}}")]
    [InlineData("fjord.dev/v1alpha1", "FjordCluster", "spec: {replicas: 1, storage: {size: 1Gi, deleteClaims: true}}")]
    [InlineData("v1", "Service", "spec: {ports: [{port: 80}]}\nstatus: {}\nextra: 1")]
    public void Parse_AnUnknownField_FailsTheTest(string apiVersion, string kind, string body)
    {
        var document = ChartRenderer.Split($"apiVersion: {apiVersion}\nkind: {kind}\nmetadata: {{name: x}}\n{body}\n").Single();

        var failure = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => StrictModels.Parse(document));
        Assert.Contains("does not fit", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_KnownFieldsOnly_ReturnsTheModel()
    {
        var document = ChartRenderer.Split("apiVersion: fjord.dev/v1alpha1\nkind: FjordTopic\nmetadata: {name: t}\nspec: {clusterRef: {name: c}, partitions: 3, config: {retention.ms: 1000}}\n").Single();

        var topic = StrictModels.Parse<Fjord.Operator.Crds.V1Alpha1FjordTopic>(document);

        Assert.Equal((3, "1000"), (topic.Spec.Partitions, topic.Spec.Config!["retention.ms"]));
    }
}
