using System.Text.Json.Nodes;
namespace Fjord.KubeLocal.Patching;

/// <summary>
/// The fields an object sets, as structured-merge-diff paths (<c>f:spec</c>, <c>k:{"name":"x"}</c>, <c>.</c>),
/// each with its leaf value; converts to and from the <c>fieldsV1</c> trees of <c>metadata.managedFields</c>.
/// Lists with a merge key (built-in patch tags, or <c>x-kubernetes-list-map-keys</c> of a CRD schema) are keyed;
/// other lists are atomic leaves. Pure.
/// </summary>
public static class FieldSet
{
    public const char Separator = '\u001f';

    /// <summary>Returns the list-map keys of a list field, or null when the list is atomic.</summary>
    public delegate string[]? ListKeys(IReadOnlyList<string> parentFields, string field, JsonNode? schema);

    /// <summary>Leaf paths of the fields a manager can own: everything but server-owned metadata.</summary>
    public static Dictionary<string, JsonNode?> Leaves(JsonObject obj, JsonNode? schema, ListKeys keys, bool includeStatus)
    {
        var leaves = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            switch (key)
            {
                case "apiVersion" or "kind":
                    continue;
                case "status" when !includeStatus:
                    continue;
                case "metadata" when value is JsonObject meta:
                    foreach (var owned in new[] { "labels", "annotations", "finalizers", "ownerReferences" })
                    {
                        if (meta[owned] is { } ownedValue)
                        {
                            Walk(ownedValue, ["metadata"], owned, $"f:metadata{Separator}f:{owned}", null, keys, leaves);
                        }
                    }

                    continue;
                default:
                    Walk(value, [], key, $"f:{key}", schema?["properties"]?[key], keys, leaves);
                    break;
            }
        }

        return leaves;
    }

    private static void Walk(JsonNode? node, List<string> parents, string field, string path, JsonNode? schema, ListKeys keys, Dictionary<string, JsonNode?> leaves)
    {
        switch (node)
        {
            case JsonObject obj when obj.Count > 0:
            {
                var childParents = new List<string>(parents) { field };
                foreach (var (key, value) in obj)
                {
                    var childSchema = schema?["properties"]?[key] ?? schema?["additionalProperties"] as JsonObject;
                    Walk(value, childParents, key, $"{path}{Separator}f:{key}", childSchema, keys, leaves);
                }

                break;
            }

            case JsonArray list when keys(parents, field, schema) is { Length: > 0 } listKeys && list.All(i => i is JsonObject):
            {
                var childParents = new List<string>(parents) { field };
                foreach (var item in list.OfType<JsonObject>())
                {
                    var keyObject = new JsonObject();
                    foreach (var k in listKeys)
                    {
                        keyObject[k] = item[k]?.DeepClone();
                    }

                    var itemPath = $"{path}{Separator}k:{keyObject.ToJsonString()}";
                    leaves[$"{itemPath}{Separator}."] = null;
                    foreach (var (key, value) in item)
                    {
                        Walk(value, childParents, key, $"{itemPath}{Separator}f:{key}", schema?["items"]?["properties"]?[key], keys, leaves);
                    }
                }

                break;
            }

            case JsonArray list when keys(parents, field, schema) is { Length: 0 }:
                // A set of scalars (finalizers): each value is its own field.
                foreach (var item in list)
                {
                    leaves[$"{path}{Separator}v:{item?.ToJsonString()}"] = item?.DeepClone();
                }

                break;
            default:
                leaves[path] = node?.DeepClone();
                break;
        }
    }

    public static JsonObject ToFieldsV1(IEnumerable<string> paths)
    {
        var root = new JsonObject();
        foreach (var path in paths.OrderBy(p => p, StringComparer.Ordinal))
        {
            var node = root;
            foreach (var element in path.Split(Separator))
            {
                if (node[element] is not JsonObject next)
                {
                    next = [];
                    node[element] = next;
                }

                node = next;
            }
        }

        return root;
    }

    public static HashSet<string> FromFieldsV1(JsonNode? fields)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        void Visit(JsonObject node, string prefix)
        {
            foreach (var (key, value) in node)
            {
                var path = prefix.Length == 0 ? key : prefix + Separator + key;
                if (value is JsonObject child && child.Count > 0)
                {
                    Visit(child, path);
                }
                else
                {
                    paths.Add(path);
                }
            }
        }

        if (fields is JsonObject obj)
        {
            Visit(obj, "");
        }

        return paths;
    }

    /// <summary>Built-in list keys: the strategic-merge-patch merge keys (finalizers are a set).</summary>
    public static string[]? BuiltInKeys(IReadOnlyList<string> parentFields, string field, JsonNode? schema) =>
        PatchMergeKeys.For(parentFields, field) switch
        {
            null => null,
            "" => [],
            var key => [key],
        };

    /// <summary>CRD list keys from <c>x-kubernetes-list-type: map|set</c> and <c>x-kubernetes-list-map-keys</c>.</summary>
    public static string[]? SchemaKeys(IReadOnlyList<string> parentFields, string field, JsonNode? schema)
    {
        if (parentFields.Count == 1 && parentFields[0] == "metadata")
        {
            return BuiltInKeys(parentFields, field, schema);
        }

        return schema?["x-kubernetes-list-type"]?.GetValue<string>() switch
        {
            "map" => (schema["x-kubernetes-list-map-keys"] as JsonArray)?.Select(k => k!.GetValue<string>()).ToArray(),
            "set" => [],
            _ => null,
        };
    }
}
