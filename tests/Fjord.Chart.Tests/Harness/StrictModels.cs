using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Fjord.Operator.Crds;
using k8s.Models;

namespace Fjord.Chart.Tests.Harness;

/// <summary>
/// The KubernetesClient model (or the operator's CRD type) of each apiVersion and kind, and a deserialiser that
/// rejects any field the model does not have, so a misspelt or misplaced key in a template fails a test instead of
/// being dropped by the API server's pruning. Thread-safe.
/// </summary>
public static class StrictModels
{
    private static readonly Dictionary<(string ApiVersion, string Kind), Type> s_types = BuildTypes();

    private static readonly JsonSerializerOptions s_strict = new()
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Deserialises the document into its model; fails the test when the kind has none or a field is unknown.</summary>
    public static object Parse(RenderedDocument document)
    {
        Assert.True(s_types.TryGetValue((document.ApiVersion, document.Kind), out var type), $"no model for {document.ApiVersion} {document.Kind} ({document})");
        try
        {
            return document.Json.Deserialize(type!, s_strict)!;
        }
        catch (JsonException e)
        {
            Assert.Fail($"{document} does not fit {type!.Name}: {e.Message}");
            throw;
        }
    }

    public static T Parse<T>(RenderedDocument document) => Assert.IsType<T>(Parse(document));

    private static Dictionary<(string, string), Type> BuildTypes()
    {
        var types = new Dictionary<(string, string), Type>
        {
            [(FjordGroup.ApiVersion, V1Alpha1FjordCluster.KindName)] = typeof(V1Alpha1FjordCluster),
            [(FjordGroup.ApiVersion, V1Alpha1FjordTopic.KindName)] = typeof(V1Alpha1FjordTopic),
        };
        foreach (var type in typeof(V1Pod).Assembly.GetTypes())
        {
            if (type.GetCustomAttribute<KubernetesEntityAttribute>() is { Kind: { Length: > 0 } kind } entity && !kind.EndsWith("List", StringComparison.Ordinal))
            {
                var apiVersion = string.IsNullOrEmpty(entity.Group) ? entity.ApiVersion : $"{entity.Group}/{entity.ApiVersion}";
                types.TryAdd((apiVersion, kind), type);
            }
        }
        return types;
    }
}
