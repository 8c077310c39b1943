using Fjord.Operator.CrdGeneration;
using k8s;
using k8s.Models;

namespace Fjord.Operator.Tests.CrdGeneration;

public class FjordCrdsTests
{
    public static TheoryData<string> CrdFiles() => new(FjordCrds.All().Select(c => c.FileName));

    [Theory]
    [MemberData(nameof(CrdFiles))]
    public void CommittedYaml_EqualsGeneratorOutput(string fileName)
    {
        var path = Path.Combine(RepositoryRoot.Path, "deploy", "crds", fileName);
        var generated = FjordCrds.ToYaml(FjordCrds.All().Single(c => c.FileName == fileName).Crd);

        Assert.True(File.Exists(path), $"{path} is missing: run `make crds`");
        Assert.True(generated == File.ReadAllText(path), $"{path} differs from the C# types: run `make crds` and commit");
    }

    [Theory]
    [MemberData(nameof(CrdFiles))]
    public void CommittedYaml_ParsesAsCustomResourceDefinition(string fileName)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "deploy", "crds", fileName));

        var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(text);

        Assert.Equal("fjord.dev", crd.Spec.Group);
        var version = Assert.Single(crd.Spec.Versions);
        Assert.Equal("v1alpha1", version.Name);
        Assert.True(version.Served && version.Storage);
        Assert.NotNull(version.Subresources.Status);
        Assert.Contains("spec", version.Schema.OpenAPIV3Schema.Required);
        Assert.NotEmpty(version.AdditionalPrinterColumns);
    }

    [Fact]
    public void FjordCluster_HasScaleSubresourceShortNameAndBounds()
    {
        var crd = FjordCrds.FjordCluster();
        var version = crd.Spec.Versions[0];
        var spec = version.Schema.OpenAPIV3Schema.Properties["spec"];

        Assert.Equal(["fc"], crd.Spec.Names.ShortNames);
        Assert.Equal(".spec.replicas", version.Subresources.Scale.SpecReplicasPath);
        Assert.Equal(".status.replicas", version.Subresources.Scale.StatusReplicasPath);
        Assert.Equal(".status.labelSelector", version.Subresources.Scale.LabelSelectorPath);
        Assert.Equal(3, spec.Properties["replicas"].DefaultProperty);
        Assert.Equal(1, spec.Properties["replicas"].Minimum);
        Assert.Equal([1, 3, 5], spec.Properties["controllers"].EnumProperty.Cast<int>());
        Assert.True(spec.Properties["config"].XKubernetesPreserveUnknownFields);
        Assert.Equal("10Gi", spec.Properties["storage"].Properties["size"].DefaultProperty);
        Assert.Contains(spec.XKubernetesValidations, v => v.Rule == "self.controllers <= self.replicas");
    }

    [Fact]
    public void FjordTopic_HasStatusSubresourceNoScaleAndRequiredClusterRef()
    {
        var crd = FjordCrds.FjordTopic();
        var version = crd.Spec.Versions[0];
        var spec = version.Schema.OpenAPIV3Schema.Properties["spec"];

        Assert.Equal(["ft"], crd.Spec.Names.ShortNames);
        Assert.Null(version.Subresources.Scale);
        Assert.Contains("clusterRef", spec.Required);
        Assert.Equal(["Delete", "Retain"], spec.Properties["deletionPolicy"].EnumProperty.Cast<string>());
        Assert.Equal("Delete", spec.Properties["deletionPolicy"].DefaultProperty);
    }

    [Fact]
    public void Schemas_AreStructural_EveryPropertyHasATypeOrPreservesUnknownFields()
    {
        foreach (var (fileName, crd) in FjordCrds.All())
        {
            foreach (var (path, schema) in Walk("", crd.Spec.Versions[0].Schema.OpenAPIV3Schema))
            {
                Assert.True(schema.Type is not null || schema.XKubernetesPreserveUnknownFields == true,
                    $"{fileName}: {path} has no type");
            }
        }
    }

    private static IEnumerable<(string Path, V1JSONSchemaProps Schema)> Walk(string path, V1JSONSchemaProps schema)
    {
        yield return (path, schema);
        foreach (var (name, child) in schema.Properties ?? new Dictionary<string, V1JSONSchemaProps>())
        {
            foreach (var nested in Walk($"{path}.{name}", child))
            {
                yield return nested;
            }
        }
        if (schema.Items is V1JSONSchemaProps items)
        {
            foreach (var nested in Walk($"{path}[]", items))
            {
                yield return nested;
            }
        }
    }
}
