using System.Text.Json.Nodes;

namespace Fjord.KubeLocal.Patching;

/// <summary>
/// The merge of server-side apply (structured-merge-diff, reduced): the applied configuration is merged into the
/// live object (maps recursively, keyed lists item by item, other lists and scalars replaced), and fields the
/// manager applied before but no longer applies are removed unless another manager owns them. Pure.
/// </summary>
public static class ServerSideApply
{
    public static JsonObject Merge(JsonObject live, JsonObject applied, JsonNode? schema, FieldSet.ListKeys keys)
    {
        var result = live.DeepClone().AsObject();
        foreach (var (key, value) in applied)
        {
            if (key is "apiVersion" or "kind")
            {
                continue;
            }

            if (key == "metadata" && value is JsonObject meta)
            {
                var liveMeta = result["metadata"] as JsonObject ?? [];
                foreach (var owned in new[] { "labels", "annotations", "finalizers", "ownerReferences" })
                {
                    if (meta[owned] is { } ownedValue)
                    {
                        liveMeta[owned] = MergeNode(liveMeta[owned], ownedValue, ["metadata"], owned, null, keys);
                    }
                }

                result["metadata"] = liveMeta;
                continue;
            }

            result[key] = MergeNode(result[key], value, [], key, schema?["properties"]?[key], keys);
        }

        return result;
    }

    private static JsonNode? MergeNode(JsonNode? live, JsonNode? applied, List<string> parents, string field, JsonNode? schema, FieldSet.ListKeys keys)
    {
        switch (applied)
        {
            case JsonObject appliedMap when live is JsonObject liveMap:
            {
                var result = liveMap.DeepClone().AsObject();
                var childParents = new List<string>(parents) { field };
                foreach (var (key, value) in appliedMap)
                {
                    var childSchema = schema?["properties"]?[key] ?? schema?["additionalProperties"] as JsonObject;
                    result[key] = MergeNode(result[key], value, childParents, key, childSchema, keys);
                }

                return result;
            }

            case JsonArray appliedList when live is JsonArray liveList && keys(parents, field, schema) is { } listKeys:
            {
                var result = liveList.DeepClone().AsArray();
                if (listKeys.Length == 0)
                {
                    foreach (var item in appliedList)
                    {
                        if (!result.Any(existing => JsonNode.DeepEquals(existing, item)))
                        {
                            result.Add(item?.DeepClone());
                        }
                    }

                    return result;
                }

                var childParents = new List<string>(parents) { field };
                foreach (var item in appliedList.OfType<JsonObject>())
                {
                    var index = IndexOf(result, item, listKeys);
                    if (index < 0)
                    {
                        result.Add(item.DeepClone());
                    }
                    else
                    {
                        result[index] = MergeNode(result[index], item, childParents, field, schema?["items"], keys);
                    }
                }

                return result;
            }

            default:
                return applied?.DeepClone();
        }
    }


    /// <summary>
    /// Removes the field at a managedFields path (f:, k:, v: elements and the "." item marker), then the maps
    /// that removal left empty (a dropped last label leaves no empty <c>labels</c>).
    /// </summary>
    public static void RemovePath(JsonObject root, string path)
    {
        RemoveLeaf(root, path);
        var elements = path.Split(FieldSet.Separator);
        for (var depth = elements.Length - 1; depth > 0; depth--)
        {
            if (!elements[depth - 1].StartsWith("f:", StringComparison.Ordinal))
            {
                return;
            }

            var prefix = string.Join(FieldSet.Separator, elements[..depth]);
            if (Resolve(root, prefix) is not JsonObject { Count: 0 })
            {
                return;
            }

            RemoveLeaf(root, prefix);
        }
    }

    private static JsonNode? Resolve(JsonObject root, string path)
    {
        JsonNode? node = root;
        foreach (var element in path.Split(FieldSet.Separator))
        {
            node = node is JsonObject map && element.StartsWith("f:", StringComparison.Ordinal) ? map[element[2..]] : null;
        }

        return node;
    }

    private static void RemoveLeaf(JsonObject root, string path)
    {
        var elements = path.Split(FieldSet.Separator);
        JsonNode? node = root;
        JsonNode? parent = null;
        var parentKey = -1;
        for (var i = 0; i < elements.Length; i++)
        {
            var element = elements[i];
            var last = i == elements.Length - 1;
            if (element == "." && parent is JsonArray items && parentKey >= 0)
            {
                items.RemoveAt(parentKey);
                return;
            }

            switch (element[..2], node)
            {
                case ("f:", JsonObject map):
                    var key = element[2..];
                    if (last)
                    {
                        map.Remove(key);
                        return;
                    }

                    parent = map;
                    parentKey = -1;
                    node = map[key];
                    break;
                case ("k:", JsonArray list):
                    var keyObject = JsonNode.Parse(element[2..]) as JsonObject ?? [];
                    var index = IndexOf(list, keyObject, [.. keyObject.Select(p => p.Key)]);
                    if (index < 0)
                    {
                        return;
                    }

                    parent = list;
                    parentKey = index;
                    node = list[index];
                    break;
                case ("v:", JsonArray values):
                    var value = JsonNode.Parse(element[2..]);
                    for (var j = values.Count - 1; j >= 0; j--)
                    {
                        if (JsonNode.DeepEquals(values[j], value))
                        {
                            values.RemoveAt(j);
                        }
                    }

                    return;
                default:
                    return;
            }
        }
    }

    private static int IndexOf(JsonArray list, JsonObject item, string[] listKeys)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is JsonObject candidate && listKeys.All(k => JsonNode.DeepEquals(candidate[k], item[k])))
            {
                return i;
            }
        }

        return -1;
    }
}
